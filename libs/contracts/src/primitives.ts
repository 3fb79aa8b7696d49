import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

/**
 * A phone number in E.164 form (`+14045550101`). Parsing accepts national formats only
 * with a default country; anything libphonenumber's full metadata calls invalid is rejected.
 */
export const E164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +14045550101')
  .refine(isValidNumber, 'is not a valid phone number')
  .brand<'E164'>();
export type E164 = z.infer<typeof E164>;

/**
 * Numbers already found valid. Validity is a pure function of the bundled metadata, the same
 * numbers pass through every event of a call in every service, and libphonenumber's full check
 * was a few per cent of each service's CPU (#17). Bounded: forgotten wholesale when full.
 */
const knownValid = new Set<string>();
function isValidNumber(value: string): boolean {
  if (knownValid.has(value)) return true;
  const valid = parsePhoneNumberFromString(value)?.isValid() === true;
  if (valid) {
    if (knownValid.size >= 10_000) knownValid.clear();
    knownValid.add(value);
  }
  return valid;
}

export class InvalidPhoneNumberError extends Error {
  constructor(readonly input: string) {
    super('not a valid phone number');
    this.name = 'InvalidPhoneNumberError';
  }
}

/** Normalises what a carrier or a person typed ("14045550101", "(404) 555-0101") to E.164. */
export function toE164(input: string, defaultCountry: 'US' | 'CA' | 'GB' | 'AU' = 'US'): E164 {
  const trimmed = input.trim();
  // Plivo sends numbers without the leading '+' ("14045550101"): treat all-digit input
  // longer than a national number as international.
  const candidate = /^\d{11,15}$/.test(trimmed) ? `+${trimmed}` : trimmed;
  const parsed = parsePhoneNumberFromString(candidate, defaultCountry);
  if (!parsed?.isValid()) throw new InvalidPhoneNumberError(input);
  return parsed.number as E164;
}

/** Masks a phone number for logs: keeps the country code and the last two digits. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 4) return '***';
  return `+${digits.slice(0, digits.length > 10 ? digits.length - 10 : 1)}******${digits.slice(-2)}`;
}

const idPattern = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const TenantId = z.string().regex(idPattern, 'must be a lowercase slug').brand<'TenantId'>();
export type TenantId = z.infer<typeof TenantId>;
export const LocationId = z
  .string()
  .regex(idPattern, 'must be a lowercase slug')
  .brand<'LocationId'>();
export type LocationId = z.infer<typeof LocationId>;

/** Money in minor units (cents) with its ISO 4217 currency: never floats for money. */
export const Money = z.object({
  amountMinor: z.number().int(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
});
export type Money = z.infer<typeof Money>;

/** An instant as an ISO-8601 string with offset (UTC `Z` when we produce it). */
export const Timestamp = z.iso.datetime({ offset: true });
export type Timestamp = z.infer<typeof Timestamp>;

export const Uuid = z.uuid();

/** A link or webhook address: http(s) only (never `javascript:`, `file:`, `data:`), bounded. */
export const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);
