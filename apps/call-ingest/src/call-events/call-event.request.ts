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
export const CallEventRequest = z.object({
  callId: z.string().min(1).max(128),
  tenantId: TenantId,
  locationId: LocationId,
  businessNumber: phone,
  callerNumber: phone,
  outcome: CallOutcome,
  endedAt: Timestamp,
  startedAt: Timestamp.optional(),
  durationSeconds: z.number().int().nonnegative().optional(),
});
export type CallEventRequest = z.infer<typeof CallEventRequest>;
