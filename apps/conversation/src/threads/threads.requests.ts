import { z } from 'zod';
import { Money } from '@textback/contracts';
import { InboxOrder } from '@textback/domain';
import { edge } from '@textback/service-kit';

// What the inbox API takes: each request's shape, bounded, with the reason a value is refused.

/** A reply the customer will read: not blank, at most 10 SMS parts. */
export const Reply = z.strictObject({
  text: z
    .string()
    .max(1600)
    .refine((t) => t.trim().length > 0, 'must not be blank'),
  /** Sent again with the same id, the reply is not texted again (the partner API's retries). */
  requestId: edge.uuid.optional(),
});
/** `me`, a team member's user id, or null (nobody). */
export const Assign = z.strictObject({
  assignee: z.union([z.literal('me'), edge.uuid, z.null()], {
    error: 'must be "me", a user id, or null',
  }),
});
export const Name = z.strictObject({ customerName: edge.name.nullable() });
/** A booking's value: never negative (the revenue report adds it up). */
export const Book = z.strictObject({
  value: Money.refine((m) => m.amountMinor >= 0, {
    message: 'must not be negative',
    path: ['amountMinor'],
  }).optional(),
});
/** How it ended; the reason is what the team learns from (a lost job's above all). */
export const Close = z.strictObject({
  outcome: z.enum(['won', 'lost'], { error: 'must be won or lost' }),
  reason: z.string().trim().min(1, 'must not be blank').max(500).optional(),
});
export const Stage = z.strictObject({
  stage: z.enum(['new', 'engaged', 'qualified', 'lost'], {
    error: 'must be new, engaged, qualified or lost (booking is POST …/book, with its value)',
  }),
});
export const ThreadsQuery = z.strictObject({
  tenantId: edge.tenantId,
  locationId: edge.locationId.optional(),
  status: z.enum(['open', 'closed']).optional(),
  urgent: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  /** `me`, `none` (unassigned) or a user id. */
  assignee: z.union([z.enum(['me', 'none']), edge.uuid]).optional(),
  /** A name, digits of a number, or words of a message. */
  q: z.string().trim().min(1, 'must not be blank').max(100).optional(),
  order: InboxOrder.default('latest'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(400).optional(),
});
export const ResponseTimesQuery = z.strictObject({
  tenantId: edge.tenantId,
  since: edge.date.optional(),
});
/** Every thread route names its tenant: the credential decides which tenants it may name. */
export const TenantQuery = z.strictObject({ tenantId: edge.tenantId });
