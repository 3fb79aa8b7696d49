import { z } from 'zod';
import { E164, LocationId, Money, TenantId, Timestamp } from './primitives';

/** How an inbound call to a business number ended, from the business's point of view. */
export const CallOutcome = z.enum([
  'answered',
  'no-answer',
  'busy',
  'caller-abandoned',
  'voicemail',
  'failed',
]);
export type CallOutcome = z.infer<typeof CallOutcome>;

export const CallEndedV1 = z.object({
  callId: z.string().min(1).max(128),
  provider: z.enum(['plivo', 'generic']),
  tenantId: TenantId,
  locationId: LocationId,
  businessNumber: E164,
  callerNumber: E164,
  outcome: CallOutcome,
  startedAt: Timestamp.optional(),
  endedAt: Timestamp,
  durationSeconds: z.number().int().nonnegative().optional(),
  hangupCause: z.string().max(64).optional(),
});
export type CallEndedV1 = z.infer<typeof CallEndedV1>;

export const SuppressionReason = z.enum([
  'call-answered',
  'spam-caller',
  'opted-out',
  'duplicate-within-window',
  'outside-business-hours',
  'landline',
  'consent-unavailable',
  'location-not-found',
]);
export type SuppressionReason = z.infer<typeof SuppressionReason>;

export const TextbackRequestedV1 = z.object({
  textbackId: z.uuid(),
  callId: z.string().min(1),
  tenantId: TenantId,
  locationId: LocationId,
  from: E164,
  to: E164,
  /** Earliest moment the text may go out (the location's send delay applied). */
  sendAfter: Timestamp,
  callEndedAt: Timestamp,
});
export type TextbackRequestedV1 = z.infer<typeof TextbackRequestedV1>;

export const TextbackSuppressedV1 = z.object({
  callId: z.string().min(1),
  tenantId: TenantId,
  locationId: LocationId,
  callerNumber: E164,
  reason: SuppressionReason,
  decidedAt: Timestamp,
});
export type TextbackSuppressedV1 = z.infer<typeof TextbackSuppressedV1>;

const SmsBase = z.object({
  smsId: z.uuid(),
  tenantId: TenantId,
  locationId: LocationId,
  from: E164,
  to: E164,
  carrierMessageId: z.string().optional(),
  textbackId: z.uuid().optional(),
  at: Timestamp,
});

export const SmsPurpose = z.enum([
  'textback',
  'help',
  'opt-out-confirmation',
  'operator',
  'follow-up',
  'auto-response',
  'on-call-alert',
  /** A sign-in link to a member of staff, from the platform's own sender. */
  'staff',
]);
export type SmsPurpose = z.infer<typeof SmsPurpose>;

export const SmsSentV1 = SmsBase.extend({
  segments: z.number().int().positive(),
  encoding: z.enum(['GSM-7', 'UCS-2']),
  cost: Money.optional(),
  /** What the text said and why it was sent: the conversation thread shows it. */
  text: z.string().max(1600).optional(),
  purpose: SmsPurpose.optional(),
  /** The call a text-back answers, or the reply request id. */
  sourceId: z.string().max(128).optional(),
});
export type SmsSentV1 = z.infer<typeof SmsSentV1>;

export const SmsDeliveredV1 = SmsBase;
export type SmsDeliveredV1 = z.infer<typeof SmsDeliveredV1>;

export const SmsFailedV1 = SmsBase.extend({
  errorCode: z.string().max(16).optional(),
  reason: z.string().max(200),
  /** What the text answered: the call id of a text-back, the request id of a reply (as on `sms.sent.v1`). */
  sourceId: z.string().max(128).optional(),
});
export type SmsFailedV1 = z.infer<typeof SmsFailedV1>;

export const SmsReceivedV1 = z.object({
  carrierMessageId: z.string().min(1),
  tenantId: TenantId,
  locationId: LocationId,
  from: E164,
  to: E164,
  text: z.string().max(1600),
  /** The customer's text was longer than `text` holds (cut at a code point); the whole text is in conversation's store. */
  textTruncated: z.boolean().optional(),
  /** Plivo's own reading of the message (`optout`, `optin`, `help`), when it gives one. */
  carrierIntent: z.enum(['optout', 'optin', 'help']).optional(),
  receivedAt: Timestamp,
});
export type SmsReceivedV1 = z.infer<typeof SmsReceivedV1>;

export const ConsentSource = z.enum([
  'keyword',
  'plain-words',
  'carrier-error-200',
  'carrier-intent',
  'operator',
  'api',
]);
export type ConsentSource = z.infer<typeof ConsentSource>;
export const ConsentChangedV1 = z.object({
  tenantId: TenantId,
  phoneNumber: E164,
  state: z.enum(['opted-out', 'opted-in']),
  source: ConsentSource,
  channelNumber: E164.optional(),
  /** `tenant`: every location and number of the brand (the default); `number`: only `channelNumber`. */
  scope: z.enum(['tenant', 'number']).optional(),
  changedAt: Timestamp,
});
export type ConsentChangedV1 = z.infer<typeof ConsentChangedV1>;

/** A text to send that is not a text-back: a HELP reply, an opt-out confirmation, an operator's reply, a follow-up. */
export const SmsReplyRequestedV1 = z.object({
  replyId: z.uuid(),
  tenantId: TenantId,
  locationId: LocationId,
  from: E164,
  to: E164,
  text: z.string().min(1).max(1600),
  /** Responses to the customer's own message go at once; follow-ups respect quiet hours and consent. */
  purpose: SmsPurpose.exclude(['textback', 'staff']),
  requestedAt: Timestamp,
});
export type SmsReplyRequestedV1 = z.infer<typeof SmsReplyRequestedV1>;

/**
 * A text to a member of staff (an invitation, a password reset link, an inbox alert), sent from the platform's
 * own number — never a business number, never into a customer thread — to a phone the person
 * agreed to receive sign-in texts on (the gateway checked before asking).
 */
export const StaffTextRequestedV1 = z.object({
  textId: z.uuid(),
  tenantId: TenantId,
  userId: z.uuid(),
  to: E164,
  /** Carries a one-time link: sms-dispatch keeps it only until the carrier has it. */
  text: z.string().min(1).max(480),
  /** `inbox-alert`: a customer waits in the inbox (no link: the person opens the inbox). */
  kind: z.enum(['invitation', 'password-reset', 'inbox-alert']),
  requestedAt: Timestamp,
});
export type StaffTextRequestedV1 = z.infer<typeof StaffTextRequestedV1>;

/**
 * A member of staff texted STOP (or START) to the platform's own number: texts to that phone from
 * the platform (sign-in links, inbox alerts) end (or resume). Not a brand's customer: no tenant.
 */
export const StaffConsentChangedV1 = z.object({
  phone: E164,
  state: z.enum(['opted-out', 'opted-in']),
  changedAt: Timestamp,
});
export type StaffConsentChangedV1 = z.infer<typeof StaffConsentChangedV1>;

export const LeadStatus = z.enum(['new', 'engaged', 'qualified', 'booked', 'lost']);
export type LeadStatus = z.infer<typeof LeadStatus>;

/** A lead's whole current state on every change (CRM sync and reporting read it). */
export const LeadChangedV1 = z.object({
  leadId: z.uuid(),
  tenantId: TenantId,
  locationId: LocationId,
  threadId: z.uuid(),
  callId: z.string().optional(),
  customerNumber: E164,
  status: LeadStatus,
  serviceType: z.string().max(64).optional(),
  urgent: z.boolean(),
  emergency: z.string().max(64).optional(),
  zip: z.string().max(10).optional(),
  requestedTime: Timestamp.optional(),
  value: Money.optional(),
  version: z.number().int().positive(),
  changedAt: Timestamp,
});
export type LeadChangedV1 = z.infer<typeof LeadChangedV1>;

/**
 * Who did what to which resource, and how it ended: every mutating call of a person, key or
 * client, every refused attempt, every bulk read of personal data (#16 audit log). Keyed by the
 * tenant (`platform` for the platform's own).
 */
export const AuditRecordedV1 = z.object({
  auditId: z.uuid(),
  at: Timestamp,
  service: z.string().min(1).max(40),
  tenantKey: z.string().min(1).max(64),
  actor: z.object({
    kind: z.enum(['user', 'api-key', 'client', 'bootstrap', 'anonymous']),
    subject: z.string().max(200),
  }),
  /** The method and route pattern (`POST /v1/inbox/threads/:threadId/reply`). */
  action: z.string().min(1).max(300),
  /** The path as called (it may name a number: redacted after retention). */
  resource: z.string().max(1000),
  /** The HTTP status it ended with. */
  outcome: z.number().int().min(100).max(599),
  address: z.string().max(100).nullable(),
});
export type AuditRecordedV1 = z.infer<typeof AuditRecordedV1>;
