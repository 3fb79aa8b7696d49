import { IANAZone } from 'luxon';
import { z } from 'zod';
import { E164, HttpUrl, LocationId, Money, TenantId } from './primitives';

/** An IANA time zone name such as `America/New_York` (checked against the tz database). */
export const TimeZone = z
  .string()
  .refine((v) => IANAZone.isValidZone(v), 'is not an IANA time zone such as America/New_York');

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');
/** Opening periods of one weekday in the location's local time; `close` may be `24:00`. */
export const OpeningPeriod = z
  .object({ open: clock, close: z.union([clock, z.literal('24:00')]) })
  .refine((p) => p.open < p.close, 'open must be before close');
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof Weekday>;
export const BusinessHours = z.partialRecord(Weekday, z.array(OpeningPeriod).max(4));
export type BusinessHours = z.infer<typeof BusinessHours>;

export const Vertical = z.enum([
  'hvac',
  'plumbing',
  'electrical',
  'pest',
  'dental',
  'vet',
  'auto',
  'legal',
  'other',
]);
export type Vertical = z.infer<typeof Vertical>;

/** Variables a text-back template may use, e.g. `{{business}}`. */
export const templateVariables = ['business', 'location', 'bookingUrl', 'phone'] as const;
const templateVariable = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;
export const TextbackTemplate = z
  .string()
  .min(1)
  .max(1000)
  .superRefine((t, ctx) => {
    for (const m of t.matchAll(templateVariable)) {
      if (!(templateVariables as readonly string[]).includes(m[1] ?? '')) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown variable {{${m[1]}}}; use ${templateVariables.map((v) => `{{${v}}}`).join(', ')}`,
        });
      }
    }
  });

/**
 * When a missed call is texted back: `always`, only while the location is open, or only while it
 * is closed (some businesses answer every call in hours and only want after-hours texts).
 */
export const TextbackHours = z.enum(['always', 'business-hours', 'after-hours']);
/** What a caller hears after hours: the business phone rings anyway, or a short announcement. */
export const AfterHoursCall = z.enum(['forward', 'announce']);

/**
 * Everything the pipeline needs to know about one location, published whole on every change
 * (`location.configured.v1`), so each service keeps its own copy and never calls the owner.
 */
export const LocationProfile = z.object({
  tenantId: TenantId,
  locationId: LocationId,
  /** Increases on every change; consumers keep the highest they have seen. */
  version: z.number().int().positive(),
  active: z.boolean(),
  brandName: z.string().min(1).max(80),
  locationName: z.string().min(1).max(80),
  vertical: Vertical,
  businessNumbers: z.array(E164).min(1).max(20),
  forwardTo: E164,
  ringTimeoutSeconds: z.number().int().min(5).max(120),
  /** Ask the person who picks up to press 1, so a voicemail greeting is never taken for an answer. */
  screenCalls: z.boolean(),
  timezone: TimeZone,
  businessHours: BusinessHours,
  textbackHours: TextbackHours,
  afterHoursCall: AfterHoursCall,
  template: TextbackTemplate,
  bookingUrl: HttpUrl.optional(),
  dedupeWindowMinutes: z
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 30),
  sendDelaySeconds: z.number().int().min(0).max(3600),
  spamNumbers: z.array(E164).max(10_000),
  averageTicket: Money.optional(),
  /** Who is told at once about an emergency (an SMS, and a webhook when set). */
  onCallNumber: E164.optional(),
  onCallWebhookUrl: HttpUrl.optional(),
  /** Automatic follow-up questions per conversation, one at a time, before a person takes over. */
  maxFollowUpQuestions: z.number().int().min(0).max(5).optional(),
  /** Minutes a customer's message may wait for a person before the next tier is told (default 5). */
  firstReplyTargetMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /**
   * A partner client's sandbox (#19): its texts go to the sandbox carrier (a Plivo fake), never
   * to the real one, and its callers' line types are not looked up (they are fictional numbers).
   */
  sandbox: z.boolean().optional(),
  /** 10DLC campaign the business numbers are registered under (carrier throughput is per campaign). */
  campaignId: z.string().max(64).optional(),
  /** The brand's daily text cap across all its locations (carrier daily limits). */
  brandDailyCap: z.number().int().positive().optional(),
  /** Where an opt-out applies: the whole brand (default) or only the number it was sent to. */
  optOutScope: z.enum(['tenant', 'number']).optional(),
  /** Whether quiet hours hold back the immediate text-back too (default: no, it answers their call). */
  quietHoursApplyToTextback: z.boolean().optional(),
  /** Send our own opt-out confirmation (off by default: Plivo already sends one). */
  confirmOptOut: z.boolean().optional(),
  /** What the tenant pays for Textback per month (ROI is measured against it). */
  monthlyPrice: Money.optional(),
  /** The tenant's own, stricter, sending window in the recipient's time (it can only tighten the law's). */
  quietHours: z.object({ start: clock, end: clock }).optional(),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type LocationProfile = z.infer<typeof LocationProfile>;

/**
 * A person's membership of a brand as the inbox needs it: who may be assigned a thread, whose
 * name shows on what they wrote, whom to tell of a customer's message. The whole membership on
 * every change; compacted, keyed by tenant and user.
 */
export const MemberChangedV1 = z.object({
  tenantId: TenantId,
  userId: z.uuid(),
  displayName: z.string().min(1).max(200),
  role: z.enum(['brand-admin', 'location-manager', 'operator', 'analyst']),
  /** The locations they work in; null: every location of the brand. */
  locationIds: z.array(LocationId).max(5_000).nullable(),
  /** Left the brand: their name stays on what they wrote; never assigned or told again. */
  removed: z.boolean(),
  /** Where the inbox may alert them: their e-mail, and the phone they agreed to get texts on. */
  email: z.email().max(320).optional(),
  textPhone: E164.nullable().optional(),
  changedAt: z.iso.datetime({ offset: true }),
});
export type MemberChangedV1 = z.infer<typeof MemberChangedV1>;
