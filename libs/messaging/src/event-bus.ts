import { randomUUID } from 'node:crypto';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
} from '@opentelemetry/api';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Registry } from 'prom-client';
import {
  deadLetterTopicOf,
  topics,
  type EventEnvelope,
  type EventMetadata,
  type PayloadOf,
  type Topic,
} from '@textback/contracts';
import { ConsumerMetrics } from './consumer-metrics';
import type { DeliveredMessage, OutgoingMessage, Subscription, Transport } from './transport';

export type EventHandler<T extends Topic> = (event: EventEnvelope<T>) => Promise<void>;

export interface RetryOptions {
  /** Attempts before a message is dead-lettered (the first try included). */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface EventBusOptions {
  /** The service publishing and consuming (`source` of its events, its consumer group). */
  readonly service: string;
  /** The consumer group; defaults to the service. A new group re-reads every topic from the start (a read-model rebuild). */
  readonly groupId?: string;
  readonly transport: Transport;
  readonly retry?: Partial<RetryOptions>;
  readonly concurrency?: number;
  readonly registry?: Registry;
  readonly metricPrefix?: string;
  readonly log?: (level: 'error' | 'warn' | 'info', message: string, fields?: object) => void;
}

export interface PublishOptions {
  readonly id?: string;
  readonly causationId?: string;
}

const H = {
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

const tracer = trace.getTracer('@textback/messaging');

class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/**
 * The one publisher/consumer API. Every payload is validated against its topic's schema on the
 * way out and on the way in; handlers get typed envelopes. A failing handler is retried with
 * exponential backoff, then parked on `<topic>.dlt` with the error in headers and committed, so
 * one poison message never blocks its partition. Trace context travels in `traceparent`.
 */
export class EventBus {
  private readonly handlers = new Map<Topic, EventHandler<Topic>>();
  private subscription: Subscription | undefined;
  private readonly retry: RetryOptions;
  private readonly metrics: ConsumerMetrics | undefined;

  constructor(private readonly options: EventBusOptions) {
    this.retry = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000, ...options.retry };
    this.metrics = options.registry
      ? new ConsumerMetrics(options.registry, options.metricPrefix ?? options.service, () =>
          this.handlers.size > 0
            ? this.options.transport.consumerLag(this.groupId, this.subscribedTopics())
            : Promise.resolve(new Map()),
        )
      : undefined;
  }

  get transport(): Transport {
    return this.options.transport;
  }

  async publish<T extends Topic>(
    topic: T,
    key: string,
    payload: PayloadOf<T>,
    options: PublishOptions = {},
  ): Promise<EventMetadata> {
    const [meta] = await this.publishAll([{ topic, key, payload, ...options }]);
    if (!meta) throw new Error('publishAll returned no metadata');
    return meta;
  }

  /** Publishes several events in one transport call (used by the outbox relay). */
  async publishAll(
    events: readonly ({ topic: Topic; key: string; payload: unknown } & PublishOptions & {
        time?: string;
        traceparent?: string;
        tracestate?: string;
      })[],
  ): Promise<EventMetadata[]> {
    const name = `publish ${[...new Set(events.map((e) => e.topic))].join(',')}`;
    return tracer.startActiveSpan(
      name,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': this.options.transport.kind } },
      async (span) => {
        try {
          const out: OutgoingMessage[] = [];
          const metas: EventMetadata[] = [];
          for (const e of events) {
            const meta = this.metadataFor(e);
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
          await this.options.transport.send(out);
          return metas;
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  /** Outbox rows keep the trace of the request that wrote them; live publishes use this span. */
  private metadataFor(
    e: { topic: Topic; time?: string; traceparent?: string; tracestate?: string } & PublishOptions,
  ): EventMetadata {
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
      source: this.options.service,
      time: e.time ?? new Date().toISOString(),
      ...(e.causationId ? { causationId: e.causationId } : {}),
      ...(carrier[H.traceparent] ? { traceparent: carrier[H.traceparent] } : {}),
      ...(carrier[H.tracestate] ? { tracestate: carrier[H.tracestate] } : {}),
    };
  }

  /** Registers the handler of one topic; call before `start()`. */
  subscribe<T extends Topic>(topic: T, handler: EventHandler<T>): void {
    if (this.handlers.has(topic))
      throw new Error(`${topic} already has a handler in ${this.options.service}`);
    this.handlers.set(topic, handler as unknown as EventHandler<Topic>);
  }

  private get groupId(): string {
    return this.options.groupId ?? this.options.service;
  }

  subscribedTopics(): Topic[] {
    return [...this.handlers.keys()];
  }

  async start(): Promise<void> {
    await this.options.transport.connect();
    if (this.handlers.size === 0) return;
    this.subscription = await this.options.transport.consume(
      {
        groupId: this.groupId,
        topics: [...this.handlers.keys()],
        ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
      },
      (message) => this.deliver(message),
    );
  }

  /** Graceful: in-flight handlers finish and are committed before the transport closes. */
  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** Test hook: behave as if the process died right now (nothing in flight is committed). */
  async crash(): Promise<void> {
    await this.subscription?.abort();
    this.subscription = undefined;
  }

  private async deliver(message: DeliveredMessage): Promise<void> {
    const topic = message.topic as Topic;
    const handler = this.handlers.get(topic);
    const parent = propagation.extract(context.active(), message.headers);
    await context.with(parent, () =>
      tracer.startActiveSpan(
        `process ${topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': this.options.transport.kind,
            'messaging.destination.name': topic,
            'textback.service': this.options.service,
          },
        },
        async (span) => {
          const started = process.hrtime.bigint();
          try {
            if (!handler) throw new MalformedEventError(`no handler for ${topic}`);
            const envelope = this.parse(topic, message);
            // The handler runs inside the consumer span: what it writes (outbox rows) continues this trace.
            await this.handleWithRetries(handler, envelope, trace.setSpan(parent, span));
            this.metrics?.handled(topic, started);
          } catch (err) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
            await this.deadLetter(message, err as Error);
            this.metrics?.deadLettered(topic, started);
          } finally {
            span.end();
          }
        },
      ),
    );
  }

  private parse(topic: Topic, message: DeliveredMessage): EventEnvelope {
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

  private async handleWithRetries(
    handler: EventHandler<Topic>,
    envelope: EventEnvelope,
    parent: Context,
  ): Promise<void> {
    const policy = retry(handleWhen(isRetryable), {
      maxAttempts: this.retry.maxAttempts - 1,
      backoff: new ExponentialBackoff({
        initialDelay: this.retry.initialDelayMs,
        maxDelay: this.retry.maxDelayMs,
      }),
    });
    policy.onRetry(({ delay }) => {
      this.metrics?.failed(envelope.topic);
      this.options.log?.('warn', `handler for ${envelope.topic} failed; retrying`, {
        eventId: envelope.metadata.id,
        delayMs: delay,
      });
    });
    let attempts = 0;
    try {
      await policy.execute(() => {
        attempts++;
        return context.with(parent, () => handler(envelope));
      });
    } catch (err) {
      this.metrics?.failed(envelope.topic);
      const e = err instanceof Error ? err : new Error(describe(err));
      throw Object.assign(new Error(e.message), { name: e.name, attempts, code: codeOf(err) });
    }
  }

  private async deadLetter(
    message: DeliveredMessage,
    err: Error & { attempts?: number; code?: string },
  ): Promise<void> {
    this.options.log?.('error', `dead-lettering ${message.topic}`, {
      error: err.message,
      code: err.code,
      offset: message.offset,
    });
    await this.options.transport.send([
      {
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
          [deadLetterHeaders.consumerGroup]: this.groupId,
          [deadLetterHeaders.failedAt]: new Date().toISOString(),
        },
      },
    ]);
  }
}

/**
 * Whether another attempt could help. An error that says it is not retryable (a service error
 * whose `retryable` is false: a refusal, a mismatch) is dead-lettered at once; anything else
 * (a lost connection, a timeout, a deadlock) is retried.
 */
function isRetryable(err: unknown): boolean {
  if (err instanceof MalformedEventError) return false;
  return !(
    typeof err === 'object' &&
    err !== null &&
    'retryable' in err &&
    (err as { retryable: unknown }).retryable === false
  );
}

function codeOf(err: unknown): string | undefined {
  const code =
    typeof err === 'object' && err !== null && 'code' in err
      ? (err as { code: unknown }).code
      : undefined;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

/** A thrown non-Error (an RPC error object, a string) as words, not "[object Object]". */
function describe(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err)
    return String((err as { message: unknown }).message);
  try {
    return typeof err === 'string' ? err : JSON.stringify(err);
  } catch {
    return String(err);
  }
}

function toHeaders(meta: EventMetadata): Record<string, string> {
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

function fromHeaders(topic: Topic, headers: Readonly<Record<string, string>>): EventMetadata {
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
