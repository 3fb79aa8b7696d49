import type { CallEndedV1 } from './events';
import { keyOf, topics } from './topics';

describe('keys from the topic table', () => {
  it("derives a message's key from its payload's fields, as the table says", () => {
    const call = {
      callId: 'c-1',
      provider: 'generic',
      tenantId: 'cool-breeze-hvac',
      locationId: 'atlanta-north',
      businessNumber: '+14045550100',
      callerNumber: '+14045550101',
      outcome: 'no-answer',
      endedAt: '2026-11-29T12:00:00Z',
    } as CallEndedV1;
    expect(topics['call.ended.v1'].key).toBe('locationId:callerNumber');
    expect(keyOf('call.ended.v1', call)).toBe('atlanta-north:+14045550101');
  });
});
