import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Coalescer } from '@textback/coalescing';
import { type EventMetadata, type PayloadOf, type Topic } from '@textback/contracts';
import { ConsumerMetrics } from './consumer-metrics';
import { inConsumerSpan } from './consumer-span';
import type { EventBusOptions, EventHandler, PublishOptions, RetryOptions } from './bus-options';
import {
  deadLetterOf,
  describe,
  MalformedEventError,
  outgoingMessages,
  parseMessage,
  type EventToPublish,
} from './event-messages';
import { retrying } from './retrying';
import type { DeliveredMessage, Subscription, Transport } from './transport';

export type { EventBusOptions, EventHandler, PublishOptions, RetryOptions } from './bus-options';

const tracer = trace.getTracer('@textback/messaging');

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
  /**
   * Batches of several partitions delivered while a unit is in flight go into the next unit
   * together: fewer, bigger transactions when busy, no wait when quiet. True: all handled.
   */
  private readonly units: Coalescer<readonly DeliveredMessage[], boolean> | undefined;

  constructor(private readonly options: EventBusOptions) {
    this.retry = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000, ...options.retry };
    this.metrics = options.registry
      ? new ConsumerMetrics(options.registry, options.metricPrefix ?? options.service, () =>
          this.handlers.size > 0
            ? this.options.transport.consumerLag(this.groupId, this.subscribedTopics())
            : Promise.resolve(new Map()),
        )
      : undefined;
    const unit = options.unitOfWork;
    this.units = unit
      ? new Coalescer(
          async (batches) => {
            const all = batches.flat();
            // One event alone: its own transaction with retries, no unit around it.
            const handled = all.length > 1 && (await this.deliverAsOneUnit(all, unit));
            return batches.map(() => handled);
          },
          // The partitions' batches of one fetch arrive in one turn: one unit for them all.
          { maxConcurrent: options.unitsInFlight ?? 2, maxItems: 16, gatherTick: true },
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
  async publishAll(events: readonly EventToPublish[]): Promise<EventMetadata[]> {
    const name = `publish ${[...new Set(events.map((e) => e.topic))].join(',')}`;
    return tracer.startActiveSpan(
      name,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': this.options.transport.kind } },
      async (span) => {
        try {
          const { out, metas } = outgoingMessages(events, this.options.service);
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
        ...(this.options.maxBatchSize ? { maxBatchSize: this.options.maxBatchSize } : {}),
      },
      (batch) => this.deliverBatch(batch),
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

  /**
   * A batch of one partition: in one unit of work when the service gave one (one transaction
   * with the batches of other partitions delivered meanwhile), otherwise — or when the unit
   * fails — event by event, in order.
   */
  private async deliverBatch(batch: readonly DeliveredMessage[]): Promise<void> {
    this.metrics?.inFlight(batch.length);
    try {
      if (this.units && (await this.units.submit(batch))) return;
      for (const message of batch) await this.deliver(message);
    } finally {
      this.metrics?.inFlight(-batch.length);
    }
  }

  /** Whether every event of the batch was handled in one unit (false: nothing of it kept). */
  private async deliverAsOneUnit(
    batch: readonly DeliveredMessage[],
    unit: NonNullable<EventBusOptions['unitOfWork']>,
  ): Promise<boolean> {
    const started = process.hrtime.bigint();
    try {
      const events = batch.flatMap((m) =>
        m.headers['event-id'] ? [{ id: m.headers['event-id'], topic: m.topic }] : [],
      );
      await unit(async () => {
        for (const message of batch) await this.handleInBatch(message);
      }, events);
    } catch (err) {
      this.options.log?.('warn', 'a batch failed; handling its events one by one', {
        topic: batch[0]?.topic,
        size: batch.length,
        error: describe(err),
      });
      return false;
    }
    for (const message of batch) this.metrics?.handled(message.topic as Topic, started);
    return true;
  }

  /** One event of a batch, without retries: a failure fails the batch. */
  private handleInBatch(message: DeliveredMessage): Promise<void> {
    const topic = message.topic as Topic;
    return inConsumerSpan(message, this.options.transport.kind, this.options.service, () =>
      this.handlerOf(topic)(parseMessage(topic, message)),
    );
  }

  /** One event alone: retried, then dead-lettered. */
  private async deliver(message: DeliveredMessage): Promise<void> {
    const topic = message.topic as Topic;
    const started = process.hrtime.bigint();
    try {
      await inConsumerSpan(message, this.options.transport.kind, this.options.service, () => {
        // A malformed event or one without a handler is not retried (nor wrapped): dead letter.
        const handler = this.handlerOf(topic);
        const envelope = parseMessage(topic, message);
        return retrying(
          this.retry,
          () => handler(envelope),
          (delay) => {
            this.metrics?.failed(topic);
            this.options.log?.('warn', `handler for ${topic} failed; retrying`, {
              eventId: envelope.metadata.id,
              delayMs: delay,
            });
          },
        );
      });
      this.metrics?.handled(topic, started);
    } catch (err) {
      if (!(err instanceof MalformedEventError)) this.metrics?.failed(topic);
      await this.deadLetter(message, err as Error);
      this.metrics?.deadLettered(topic, started);
    }
  }

  private handlerOf(topic: Topic): EventHandler<Topic> {
    const handler = this.handlers.get(topic);
    if (!handler) throw new MalformedEventError(`no handler for ${topic}`);
    return handler;
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
    await this.options.transport.send([deadLetterOf(message, err, this.groupId)]);
  }
}
