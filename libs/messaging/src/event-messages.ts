import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import {
  deadLetterTopicOf,
  topics,
  type EventEnvelope,
  type EventMetadata,
  type Topic,
} from '@textback/contracts';
import type { DeliveredMessage, OutgoingMessage } from './transport';

/** What travels in a message's headers: its metadata, and why a dead letter died. */
export const H = {
  id: 'event-id',
  type: 'event-type',
  source: 'event-source',
  time: 'event-time',
  causation: 'event-causation-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export const deadLetterHeaders = {
  error: 'dlt-error',
  errorKind: 'dlt-error-kind',
  /** The error's own code (e.g. `location-mismatch`), `malformed`, or `error` when it had none. */
  errorCode: 'dlt-error-code',
  attempts: 'dlt-attempts',
  originalTopic: 'dlt-original-topic',
  originalPartition: 'dlt-original-partition',
  originalOffset: 'dlt-original-offset',
  consumerGroup: 'dlt-consumer-group',
  failedAt: 'dlt-failed-at',
} as const;

export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/**
 * Whether another attempt could help. An error that says it is not retryable (a service error
 * whose `retryable` is false: a refusal, a mismatch) is dead-lettered at once; anything else
 * (a lost connection, a timeout, a deadlock) is retried.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof MalformedEventError) return false;
  return !(
    typeof err === 'object' &&
    err !== null &&
    'retryable' in err &&
    (err as { retryable: unknown }).retryable === false
  );
}

export function codeOf(err: unknown): string | undefined {
  const code =
    typeof err === 'object' && err !== null && 'code' in err
      ? (err as { code: unknown }).code
      : undefined;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

/** A thrown non-Error (an RPC error object, a string) as words, not "[object Object]". */
export function describe(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err)
    return String((err as { message: unknown }).message);
  try {
    return typeof err === 'string' ? err : JSON.stringify(err);
  } catch {
    return String(err);
  }
}

export function toHeaders(meta: EventMetadata): Record<string, string> {
  const h: Record<string, string> = {
    [H.id]: meta.id,
    [H.type]: meta.type,
    [H.source]: meta.source,
    [H.time]: meta.time,
  };
  if (meta.causationId) h[H.causation] = meta.causationId;
  if (meta.traceparent) h[H.traceparent] = meta.traceparent;
  if (meta.tracestate) h[H.tracestate] = meta.tracestate;
  return h;
}

export function fromHeaders(
  topic: Topic,
  headers: Readonly<Record<string, string>>,
): EventMetadata {
  const id = headers[H.id];
  if (!id) throw new MalformedEventError(`${topic} message has no ${H.id} header`);
  return {
    id,
    type: topic,
    source: headers[H.source] ?? 'unknown',
    time: headers[H.time] ?? new Date(0).toISOString(),
    ...(headers[H.causation] ? { causationId: headers[H.causation] } : {}),
    ...(headers[H.traceparent] ? { traceparent: headers[H.traceparent] } : {}),
    ...(headers[H.tracestate] ? { tracestate: headers[H.tracestate] } : {}),
  };
}

/** An event to publish: a live one, or an outbox row keeping its id, time and trace. */
export interface EventToPublish {
  readonly topic: Topic;
  readonly key: string;
  readonly payload: unknown;
  readonly id?: string;
  readonly causationId?: string;
  readonly time?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** Validated messages and their metadata; a payload that does not match its topic is refused. */
export function outgoingMessages(
  events: readonly EventToPublish[],
  service: string,
): { out: OutgoingMessage[]; metas: EventMetadata[] } {
  const out: OutgoingMessage[] = [];
  const metas: EventMetadata[] = [];
  for (const e of events) {
    const meta = metadataFor(e, service);
    const parsed = topics[e.topic].schema.safeParse(e.payload);
    if (!parsed.success) {
      throw new MalformedEventError(
        `refusing to publish a malformed ${e.topic}: ${parsed.error.message}`,
      );
    }
    metas.push(meta);
    out.push({
      topic: e.topic,
      key: e.key,
      value: JSON.stringify(parsed.data),
      headers: toHeaders(meta),
    });
  }
  return { out, metas };
}

/** Outbox rows keep the trace of the request that wrote them; live publishes use the active span. */
function metadataFor(e: EventToPublish, service: string): EventMetadata {
  const carrier: Record<string, string> = {};
  if (e.traceparent) {
    carrier[H.traceparent] = e.traceparent;
    if (e.tracestate) carrier[H.tracestate] = e.tracestate;
  } else {
    propagation.inject(context.active(), carrier);
  }
  return {
    id: e.id ?? randomUUID(),
    type: e.topic,
    source: service,
    time: e.time ?? new Date().toISOString(),
    ...(e.causationId ? { causationId: e.causationId } : {}),
    ...(carrier[H.traceparent] ? { traceparent: carrier[H.traceparent] } : {}),
    ...(carrier[H.tracestate] ? { tracestate: carrier[H.tracestate] } : {}),
  };
}

/** A delivered message as a typed envelope, or a MalformedEventError saying what is wrong. */
export function parseMessage(topic: Topic, message: DeliveredMessage): EventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch {
    throw new MalformedEventError(`${topic} message is not JSON`);
  }
  const parsed = topics[topic].schema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedEventError(
      `${topic} payload does not match its schema: ${parsed.error.message}`,
    );
  }
  return {
    topic,
    key: message.key,
    payload: parsed.data,
    metadata: fromHeaders(topic, message.headers),
  };
}

/** The message parked on `<topic>.dlt`: the original, with why and where it failed in headers. */
export function deadLetterOf(
  message: DeliveredMessage,
  err: Error & { attempts?: number; code?: string },
  groupId: string,
): OutgoingMessage {
  return {
    topic: deadLetterTopicOf(message.topic),
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [deadLetterHeaders.error]: err.message.slice(0, 1000),
      [deadLetterHeaders.errorKind]:
        err instanceof MalformedEventError ? 'malformed' : 'handler-failed',
      [deadLetterHeaders.errorCode]:
        err instanceof MalformedEventError ? 'malformed' : (err.code ?? 'error'),
      [deadLetterHeaders.attempts]: String(err.attempts ?? 0),
      [deadLetterHeaders.originalTopic]: message.topic,
      [deadLetterHeaders.originalPartition]: String(message.partition),
      [deadLetterHeaders.originalOffset]: message.offset,
      [deadLetterHeaders.consumerGroup]: groupId,
      [deadLetterHeaders.failedAt]: new Date().toISOString(),
    },
  };
}
