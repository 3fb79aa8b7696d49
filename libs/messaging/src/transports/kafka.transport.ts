import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type {
  ConsumerOptions,
  DeliveryHandler,
  OutgoingMessage,
  Subscription,
  TopicSpec,
  Transport,
} from '../transport';
import { TransportAbortedError } from '../transport';

export interface KafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Prepended to every topic name; isolates test suites sharing one broker. */
  readonly topicPrefix?: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly sessionTimeoutMs?: number;
  readonly log?: (level: 'error' | 'warn' | 'info', message: string) => void;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/** Kafka through kafkajs: idempotent producer, manual commits after each handled message. */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private admin: Admin | undefined;
  private readonly consumers = new Set<Consumer>();
  private connecting: Promise<void> | undefined;

  constructor(private readonly options: KafkaTransportOptions) {
    const log = options.log;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        // An error response from the broker (e.g. no leader yet for a new topic) is retried by
        // kafkajs itself: a warning, not an error; what fails after its retries is thrown to us.
        const brokerResponse =
          entry.namespace === 'Connection' && entry.log.message.startsWith('Response');
        const level =
          entry.level === logLevel.ERROR && !brokerResponse
            ? 'error'
            : entry.level <= logLevel.WARN
              ? 'warn'
              : 'info';
        const detail = typeof entry.log['error'] === 'string' ? ` (${entry.log['error']})` : '';
        log?.(level, `kafkajs ${entry.namespace}: ${entry.log.message}${detail}`);
      },
      retry: { initialRetryTime: 100, retries: 8 },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.adminClient();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(this.physical(t.name)));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: false, // see waitForLeaders below
        topics: missing.map((t) => ({
          topic: this.physical(t.name),
          numPartitions: this.options.partitions ?? 3,
          replicationFactor: this.options.replicationFactor ?? 1,
          ...(t.compacted ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}),
        })),
      });
    }
    await this.waitForLeaders(
      admin,
      topics.map((t) => this.physical(t.name)),
    );
  }

  /**
   * Until every partition has a leader. kafkajs' own `waitForLeaders` gives up on "This server
   * does not host this topic-partition", which a busy broker answers right after creating a topic.
   */
  private async waitForLeaders(
    admin: Admin,
    names: readonly string[],
    timeoutMs = 60_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
        if (
          topics.length === names.length &&
          topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
        )
          return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline)
        throw new Error(`topics have no leader after ${timeoutMs} ms: ${names.join(', ')}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async consumerLag(groupId: string, topics: readonly string[]): Promise<Map<string, number>> {
    const admin = await this.adminClient();
    const lag = new Map<string, number>();
    const committed = await admin.fetchOffsets({
      groupId: `${this.options.topicPrefix ?? ''}${groupId}`,
      topics: topics.map((t) => this.physical(t)),
    });
    for (const logical of topics) {
      const ends = await admin.fetchTopicOffsets(this.physical(logical));
      const mine = committed.find((c) => c.topic === this.physical(logical))?.partitions ?? [];
      let behind = 0;
      for (const end of ends) {
        const at = Number(mine.find((p) => p.partition === end.partition)?.offset ?? '-1');
        behind += Math.max(0, Number(end.high) - (at < 0 ? Number(end.low) : at));
      }
      lag.set(logical, behind);
    }
    return lag;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    await this.connect();
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic: this.physical(topic),
        messages: list.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
      })),
    });
  }

  async consume(options: ConsumerOptions, handler: DeliveryHandler): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: `${this.options.topicPrefix ?? ''}${options.groupId}`,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      retry: { initialRetryTime: 100, retries: 8 },
    });
    this.consumers.add(consumer);
    const logicalOf = new Map(options.topics.map((t) => [this.physical(t), t]));
    let aborted = false;
    let stopping = false;
    const inFlight = new Set<Promise<void>>();
    let abortInFlight: (err: Error) => void = () => undefined;
    const abortSignal = new Promise<never>((_, reject) => {
      abortInFlight = reject;
    });
    abortSignal.catch(() => undefined);

    const joined = waitForJoin(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...logicalOf.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.concurrency ?? 3,
      eachMessage: async ({ topic, partition, message }) => {
        if (aborted) throw new TransportAbortedError();
        // Fetched but not started when a stop began: leave it uncommitted for the next owner.
        if (stopping) return;
        const work = this.handleAndCommit(
          consumer,
          handler,
          logicalOf,
          topic,
          partition,
          message,
          abortSignal,
        );
        inFlight.add(work);
        try {
          await work;
        } finally {
          inFlight.delete(work);
        }
      },
    });
    await joined;

    const close = async (): Promise<void> => {
      this.consumers.delete(consumer);
      await consumer.disconnect();
    };
    return {
      // Graceful: stop fetching, let started handlers finish and commit, then leave the group.
      stop: async () => {
        stopping = true;
        consumer.pause([...logicalOf.keys()].map((topic) => ({ topic })));
        await Promise.allSettled([...inFlight]);
        await close();
      },
      abort: async () => {
        aborted = true;
        abortInFlight(new TransportAbortedError());
        await close();
      },
    };
  }

  private async handleAndCommit(
    consumer: Consumer,
    handler: DeliveryHandler,
    logicalOf: Map<string, string>,
    topic: string,
    partition: number,
    message: KafkaMessage,
    abortSignal: Promise<never>,
  ): Promise<void> {
    await Promise.race([
      handler({
        topic: logicalOf.get(topic) ?? topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        headers: headerText(message.headers),
      }),
      abortSignal,
    ]);
    // Commit only after the handler succeeded: a crash before this line means redelivery.
    await consumer.commitOffsets([
      { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
    ]);
  }

  async isReady(): Promise<boolean> {
    try {
      const admin = await this.adminClient();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    if (this.connecting) await this.producer.disconnect();
    this.connecting = undefined;
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  private physical(topic: string): string {
    return `${this.options.topicPrefix ?? ''}${topic}`;
  }
}

/** Resolves once the consumer has joined its group and got partitions, so sends after it are seen. */
function waitForJoin(consumer: Consumer, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      remove();
      reject(new Error('consumer did not join its group in time'));
    }, timeoutMs);
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      remove();
      resolve();
    });
  });
}
