import type { z } from 'zod';
import {
  CallEndedV1,
  ConsentChangedV1,
  SmsDeliveredV1,
  SmsFailedV1,
  SmsReceivedV1,
  SmsReplyRequestedV1,
  LeadChangedV1,
  SmsSentV1,
  TextbackRequestedV1,
  TextbackSuppressedV1,
} from './events';
import { LocationProfile } from './tenancy';

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
  'lead.changed.v1': { schema: LeadChangedV1, key: 'leadId' },
  'consent.changed.v1': { schema: ConsentChangedV1, key: 'tenantId:phoneNumber' },
  /** The whole profile of a location on every change; compacted, keyed by location. */
  'location.configured.v1': { schema: LocationProfile, key: 'locationId', compacted: true },
} as const;

export type Topic = keyof typeof topics;
export type PayloadOf<T extends Topic> = z.infer<(typeof topics)[T]['schema']>;
export const allTopics = Object.keys(topics) as Topic[];

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
