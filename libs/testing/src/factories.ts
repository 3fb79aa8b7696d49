import { randomUUID } from 'node:crypto';
import {
  CallEndedV1 as CallEndedSchema,
  LocationProfile,
  SmsReplyRequestedV1,
  TextbackRequestedV1,
  type CallEndedV1,
} from '@textback/contracts';

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

/** A valid, active location profile (`location.configured.v1`), open weekdays 08:00–18:00 in New York. */
export function aLocation(
  overrides: Partial<Record<keyof LocationProfile, unknown>> = {},
): LocationProfile {
  return LocationProfile.parse({
    tenantId: 'acme-hvac',
    locationId: 'atlanta-north',
    version: 1,
    active: true,
    brandName: 'Acme Heating & Air',
    locationName: 'Atlanta North',
    vertical: 'hvac',
    businessNumbers: ['+14045550199'],
    forwardTo: '+14045550198',
    ringTimeoutSeconds: 20,
    screenCalls: true,
    timezone: 'America/New_York',
    businessHours: Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ open: '08:00', close: '18:00' }]]),
    ),
    textbackHours: 'always',
    afterHoursCall: 'forward',
    template: 'Hi, this is {{business}}. Sorry we missed your call! How can we help?',
    dedupeWindowMinutes: 0,
    sendDelaySeconds: 0,
    spamNumbers: [],
    updatedAt: new Date().toISOString(),
    ...overrides,
  });
}

/** A text-back decision for a call to `location` (`textback.requested.v1`). */
export function aTextbackRequest(
  location: LocationProfile,
  overrides: Partial<Record<keyof TextbackRequestedV1, unknown>> = {},
): TextbackRequestedV1 {
  sequence++;
  return TextbackRequestedV1.parse({
    textbackId: randomUUID(),
    callId: randomUUID(),
    tenantId: location.tenantId,
    locationId: location.locationId,
    from: location.businessNumbers[0],
    to: `+1404555${String(1000 + (sequence % 9000)).padStart(4, '0')}`,
    sendAfter: new Date().toISOString(),
    callEndedAt: new Date().toISOString(),
    ...overrides,
  });
}

/** A reply asked of sms-dispatch from `location` (`sms.reply-requested.v1`), a follow-up by default. */
export function aReplyRequest(
  location: LocationProfile,
  overrides: Partial<Record<keyof SmsReplyRequestedV1, unknown>> = {},
): SmsReplyRequestedV1 {
  sequence++;
  return SmsReplyRequestedV1.parse({
    replyId: randomUUID(),
    tenantId: location.tenantId,
    locationId: location.locationId,
    from: location.businessNumbers[0],
    to: `+1404555${String(1000 + (sequence % 9000)).padStart(4, '0')}`,
    text: 'What do you need help with?',
    purpose: 'follow-up',
    requestedAt: new Date().toISOString(),
    ...overrides,
  });
}
