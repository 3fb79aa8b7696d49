import { randomUUID } from 'node:crypto';
import type { CallEndedV1 } from '@textback/contracts';
import { CallEndedV1 as CallEndedSchema } from '@textback/contracts';

let sequence = 0;

/** A valid `call.ended.v1` payload; override what the test is about. */
export function aCallEnded(
  overrides: Partial<Record<keyof CallEndedV1, unknown>> = {},
): CallEndedV1 {
  sequence++;
  return CallEndedSchema.parse({
    callId: randomUUID(),
    provider: 'plivo',
    tenantId: 'acme-hvac',
    locationId: 'atlanta-north',
    businessNumber: '+14045550199',
    callerNumber: `+1404555${String(1000 + (sequence % 9000)).padStart(4, '0')}`,
    outcome: 'no-answer',
    endedAt: new Date().toISOString(),
    ...overrides,
  });
}
