import { z } from 'zod';
import { CallOutcome, LocationId, TenantId, Timestamp, toE164 } from '@textback/contracts';

const phone = z.string().transform((value, ctx) => {
  try {
    return toE164(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a valid phone number' });
    return z.NEVER;
  }
});

/** What a phone system posts when a call to a business number ended. */
export const CallEventRequest = z.strictObject({
  callId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -'),
  tenantId: TenantId,
  locationId: LocationId,
  businessNumber: phone,
  callerNumber: phone,
  outcome: CallOutcome,
  endedAt: Timestamp,
  startedAt: Timestamp.optional(),
  /** A call longer than a day is a bad clock or a bad field, not a call. */
  durationSeconds: z.number().int().nonnegative().max(86_400).optional(),
});
export type CallEventRequest = z.infer<typeof CallEventRequest>;
