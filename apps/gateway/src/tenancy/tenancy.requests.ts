import { z } from 'zod';
import {
  AfterHoursCall,
  BusinessHours,
  HttpUrl,
  InvalidPhoneNumberError,
  Money,
  TextbackHours,
  TextbackTemplate,
  TimeZone,
  Vertical,
  toE164,
  type E164,
} from '@textback/contracts';

/** A phone number as a person types it; stored in E.164. */
const PhoneInput = z.string().transform((value, ctx): E164 => {
  try {
    return toE164(value);
  } catch (err) {
    if (!(err instanceof InvalidPhoneNumberError)) throw err;
    ctx.addIssue({ code: 'custom', message: 'is not a valid phone number' });
    return z.NEVER;
  }
});

export const defaultTemplate =
  'Hi, this is {{business}} ({{location}}). Sorry we missed your call! How can we help you today?';

/** A tenant (brand): settings shared by all its locations. */
export const TenantRequest = z.strictObject({
  brandName: z.string().min(1).max(80),
  vertical: Vertical.default('other'),
  campaignId: z.string().max(64).optional(),
  brandDailyCap: z.number().int().positive().optional(),
  optOutScope: z.enum(['tenant', 'number']).default('tenant'),
  quietHoursApplyToTextback: z.boolean().default(false),
  monthlyPrice: Money.optional(),
  confirmOptOut: z.boolean().default(false),
  quietHours: z
    .object({
      start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
      end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
    })
    .optional(),
});
export type TenantSettings = z.infer<typeof TenantRequest>;

export const LocationRequest = z.strictObject({
  name: z.string().min(1).max(80),
  active: z.boolean().default(true),
  businessNumbers: z.array(PhoneInput).min(1).max(20),
  forwardTo: PhoneInput,
  ringTimeoutSeconds: z.number().int().min(5).max(120).default(20),
  screenCalls: z.boolean().default(true),
  timezone: TimeZone,
  businessHours: BusinessHours.default({}),
  textbackHours: TextbackHours.default('always'),
  afterHoursCall: AfterHoursCall.default('forward'),
  template: TextbackTemplate.default(defaultTemplate),
  bookingUrl: HttpUrl.optional(),
  dedupeWindowMinutes: z
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 30)
    .default(24 * 60),
  sendDelaySeconds: z.number().int().min(0).max(3600).default(0),
  spamNumbers: z.array(PhoneInput).max(10_000).default([]),
  averageTicket: Money.optional(),
  onCallNumber: PhoneInput.optional(),
  onCallWebhookUrl: HttpUrl.optional(),
  maxFollowUpQuestions: z.number().int().min(0).max(5).default(2),
  /** Minutes a customer's message may wait for a person before the next tier is told. */
  firstReplyTargetMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(5),
});
export type LocationSettings = z.infer<typeof LocationRequest>;

/** The seed file: tenants, each with its locations. */
export const TenancySeed = z.object({
  tenants: z.array(
    TenantRequest.extend({
      tenantId: z.string(),
      locations: z.array(LocationRequest.extend({ locationId: z.string() })),
    }),
  ),
});
