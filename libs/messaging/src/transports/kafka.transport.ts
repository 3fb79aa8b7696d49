import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
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
import { consumeBatches } from './kafka-consumer';

export interface KafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Prepended to every topic name; isolates test suites sharing one broker. */
  readonly topicPrefix?: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly sessionTimeoutMs?: number;
  /** A consumer's pause after handling a fetch's batches, before it fetches again. */
  readonly consumerLingerMs?: number;
  readonly log?: (level: 'error' | 'warn' | 'info', message: string) => void;
}

/** Kafka through kafkajs: idempotent producer, per-partition batches, a manual commit after each handled batch. */
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
    return consumeBatches(
      consumer,
      {
        ...options,
        logicalOf: new Map(options.topics.map((t) => [this.physical(t), t])),
        lingerMs: this.options.consumerLingerMs ?? 0,
      },
      handler,
      () => this.consumers.delete(consumer),
    );
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
