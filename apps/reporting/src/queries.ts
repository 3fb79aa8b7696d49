import { DateTime } from 'luxon';
import { z } from 'zod';
import { edge, parseRequest } from '@textback/service-kit';

/** Validates a query or body, or throws a 400 naming each field and what is wrong with it. */
export function parseOr400<T>(schema: z.ZodType<T>, input: unknown): T {
  return parseRequest(schema, input);
}

const IsoDay = z
  .string()
  .refine(
    (s) => /^(20\d\d|2100)-\d{2}-\d{2}$/.test(s) && DateTime.fromISO(s).isValid,
    'a date as YYYY-MM-DD between the years 2000 and 2100',
  );

/** At most about three years per query: the read model is per day and a range is summed in SQL. */
const MAX_RANGE_DAYS = 1_100;

export const RangeQuery = z
  .object({
    tenantId: edge.tenantId.optional(),
    from: IsoDay,
    to: IsoDay,
    locationId: edge.locationId.optional(),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] })
  .refine(
    (q) => DateTime.fromISO(q.to).diff(DateTime.fromISO(q.from), 'days').days <= MAX_RANGE_DAYS,
    { message: `at most ${MAX_RANGE_DAYS} days`, path: ['to'] },
  );

export const FunnelQuery = z.intersection(
  RangeQuery,
  z.object({
    interval: z.enum(['day', 'week', 'month']).default('day'),
    format: z.enum(['json', 'csv']).default('json'),
  }),
);

export const CallsQuery = z.intersection(
  RangeQuery,
  z.object({
    textback: z.enum(['texted', 'suppressed', 'scheduled', 'send-failed', 'pending']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(200).optional(),
    format: z.enum(['json', 'csv']).default('json'),
  }),
);

const Rate = z.coerce.number().min(0).max(1);
export const WhatIfQuery = z.object({
  tenantId: edge.tenantId.optional(),
  replyRate: Rate.optional(),
  qualificationRate: Rate.optional(),
  averageTicketMinor: z.coerce.number().int().min(0).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
    .optional(),
  timezone: z
    .string()
    .refine((zone) => DateTime.local().setZone(zone).isValid, 'an IANA time zone')
    .optional(),
  dedupeWindowMinutes: z.coerce.number().int().min(0).max(43_200).optional(),
  monthlyPriceMinor: z.coerce.number().int().min(0).optional(),
});
