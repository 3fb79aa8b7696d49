import { z } from 'zod';
import { E164, TenantId } from './primitives';

/**
 * sms-dispatch → compliance, `POST /internal/v1/consent/checks`: "may we text these numbers
 * now?" for the sends it is about to make, many in one request (its sends are claimed in
 * groups). Results come back one per check, in order.
 */
export const ConsentChecksV1 = z.strictObject({
  checks: z
    .array(
      z.strictObject({
        tenantId: TenantId,
        phoneNumber: E164,
        /** The number the text would come from: a per-number opt-out applies to it alone. */
        channelNumber: E164.optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type ConsentChecksV1 = z.infer<typeof ConsentChecksV1>;

export const ConsentState = z.enum(['opted-in', 'opted-out', 'no-record']);
export type ConsentState = z.infer<typeof ConsentState>;

export const ConsentCheckResultsV1 = z.object({
  results: z.array(z.object({ state: ConsentState, mayText: z.boolean() })),
});
export type ConsentCheckResultsV1 = z.infer<typeof ConsentCheckResultsV1>;

/**
 * conversation → compliance, `POST /internal/v1/consent/inbound` (body: `sms.received.v1`'s
 * payload): an inbound text read and recorded before the carrier is told we have it. The answer
 * is what the text meant for consent.
 */
export const ConsentInboundReadingV1 = z.object({
  reading: z.enum(['opt-out', 'opt-in', 'help', 'review', 'none']),
});
export type ConsentInboundReadingV1 = z.infer<typeof ConsentInboundReadingV1>;
