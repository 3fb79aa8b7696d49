import type { z } from 'zod';
import {
  AuditRecordedV1,
  CallEndedV1,
  ConsentChangedV1,
  SmsDeliveredV1,
  SmsFailedV1,
  SmsReceivedV1,
  SmsReplyRequestedV1,
  LeadChangedV1,
  SmsSentV1,
  StaffTextRequestedV1,
  StaffConsentChangedV1,
  TextbackRequestedV1,
  TextbackSuppressedV1,
} from './events';
import { LocationProfile, MemberChangedV1 } from './tenancy';

/**
 * The one table of topics: name (`<entity>.<past-tense-verb>.v<major>`) → payload schema
 * and what the Kafka key means. A breaking change is a new topic, never an edit here.
 */
export const topics = {
  'call.ended.v1': { schema: CallEndedV1, key: 'locationId:callerNumber' },
  'textback.requested.v1': { schema: TextbackRequestedV1, key: 'locationId:to' },
  'textback.suppressed.v1': { schema: TextbackSuppressedV1, key: 'locationId:callerNumber' },
  'sms.sent.v1': { schema: SmsSentV1, key: 'locationId:to' },
  'sms.delivered.v1': { schema: SmsDeliveredV1, key: 'locationId:to' },
  'sms.failed.v1': { schema: SmsFailedV1, key: 'locationId:to' },
  'sms.received.v1': { schema: SmsReceivedV1, key: 'locationId:from' },
  'sms.reply-requested.v1': { schema: SmsReplyRequestedV1, key: 'locationId:to' },
  'staff-text.requested.v1': { schema: StaffTextRequestedV1, key: 'userId' },
  'staff-consent.changed.v1': { schema: StaffConsentChangedV1, key: 'phone' },
  'lead.changed.v1': { schema: LeadChangedV1, key: 'leadId' },
  'consent.changed.v1': { schema: ConsentChangedV1, key: 'tenantId:phoneNumber' },
  'audit.recorded.v1': { schema: AuditRecordedV1, key: 'tenantKey' },
  /** The whole profile of a location on every change; compacted, keyed by location. */
  'location.configured.v1': { schema: LocationProfile, key: 'locationId', compacted: true },
  /** A person's whole membership of a brand on every change; compacted, keyed by tenant and user. */
  'member.changed.v1': { schema: MemberChangedV1, key: 'tenantId:userId', compacted: true },
} as const;

export type Topic = keyof typeof topics;
export type PayloadOf<T extends Topic> = z.infer<(typeof topics)[T]['schema']>;
export const allTopics = Object.keys(topics) as Topic[];

/** The payload fields a topic's key is made of, from the table (`'locationId:to'` → `'locationId' | 'to'`). */
type Split<S extends string> = S extends `${infer Head}:${infer Rest}` ? Head | Split<Rest> : S;
export type KeyFieldsOf<T extends Topic> = Split<(typeof topics)[T]['key']>;

/** A compile error here means a topic's key names a field its payload does not have. */
type TopicsWithValidKeys = {
  [T in Topic]: KeyFieldsOf<T> extends keyof PayloadOf<T> ? T : never;
}[Topic];
export const everyTopicKeyIsAPayloadField: Topic extends TopicsWithValidKeys ? true : never = true;

/**
 * The Kafka key of an event, derived from its topic's key in the table (one source; per-key order
 * is what consumers rely on): `keyOf('sms.sent.v1', { locationId: 'a', to: '+1…', … })` → `'a:+1…'`.
 */
export function keyOf<T extends Topic>(topic: T, payload: PayloadOf<T>): string {
  const fields = topics[topic].key.split(':') as KeyFieldsOf<T>[];
  return fields.map((field) => String((payload as Record<string, unknown>)[field])).join(':');
}

export function isTopic(name: string): name is Topic {
  return Object.prototype.hasOwnProperty.call(topics, name);
}

/** Where a message goes when its handler keeps failing or its payload is malformed. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlt`;
}

/** Event metadata carried beside every payload (Kafka headers; in-process alike). */
export interface EventMetadata {
  readonly id: string;
  readonly type: Topic;
  readonly source: string;
  readonly time: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
}

export interface EventEnvelope<T extends Topic = Topic> {
  readonly topic: T;
  readonly key: string;
  readonly payload: PayloadOf<T>;
  readonly metadata: EventMetadata;
}
