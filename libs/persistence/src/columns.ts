import { z } from 'zod';

/**
 * Column decoders for row schemas, by what pg returns: `timestamptz` as a Date, `bigint` and
 * `numeric` as strings (turned into numbers here; our counts and minor-unit amounts stay far
 * below 2^53), `jsonb` parsed. Identifiers and numbers carry their brands: the database holds
 * only values that were validated on their way in, so the brand is applied without re-running
 * the (costly) validation, e.g. libphonenumber's for E.164.
 */
export const col = {
  text: z.string(),
  uuid: z.string(),
  int: z.number().int(),
  /** bigint / numeric / count(*): pg sends a string. */
  bigint: z.union([z.string(), z.number()]).transform((v) => Number(v)),
  /** A float8 aggregate (avg, percentile_cont): a number, or a numeric's string. */
  float: z.union([z.string(), z.number()]).transform((v) => Number(v)),
  bool: z.boolean(),
  timestamp: z.date(),
  json: z.unknown(),
  tenantId: z.string().brand<'TenantId'>(),
  locationId: z.string().brand<'LocationId'>(),
  e164: z.string().brand<'E164'>(),
} as const;

/** A row schema over camelCase column names (the data layer renames snake_case columns). */
export const row = z.object;
