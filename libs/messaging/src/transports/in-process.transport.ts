import { createHash } from 'node:crypto';
import type {
  ConsumerOptions,
  DeliveredMessage,
  DeliveryHandler,
  OutgoingMessage,
  Subscription,
  TopicSpec,
  Transport,
} from '../transport';
import { TransportAbortedError } from '../transport';

/**
 * An in-memory broker with Kafka's semantics where they matter to us: partitioned logs keyed
 * by message key (so per-key order), consumer groups with committed offsets, redelivery of
 * anything not committed. Several transports may share one broker (one per "service").
 */
export class InProcessBroker {
  readonly partitions: number;
  private readonly logs = new Map<string, DeliveredMessage[][]>();
  private readonly committed = new Map<string, number>();
  private readonly waiters = new Set<() => void>();

  constructor(options: { partitions?: number } = {}) {
    this.partitions = options.partitions ?? 4;
  }

  createTopic(topic: string): void {
    if (!this.logs.has(topic)) {
      this.logs.set(
        topic,
        Array.from({ length: this.partitions }, () => []),
      );
    }
  }

  hasTopic(topic: string): boolean {
    return this.logs.has(topic);
  }

  append(message: OutgoingMessage): void {
    const log = this.logs.get(message.topic);
    if (!log)
      throw new Error(`unknown topic ${message.topic}: topics are provisioned, not auto-created`);
    const partition = this.partitionOf(message.key);
    const entries = log[partition];
    if (!entries) throw new Error(`no partition ${partition} in ${message.topic}`);
    entries.push({ ...message, partition, offset: String(entries.length) });
    for (const wake of [...this.waiters]) wake();
  }

  read(topic: string, partition: number, offset: number): DeliveredMessage | undefined {
    return this.logs.get(topic)?.[partition]?.[offset];
  }

  endOffset(topic: string, partition: number): number {
    return this.logs.get(topic)?.[partition]?.length ?? 0;
  }

  committedOffset(groupId: string, topic: string, partition: number): number {
    return this.committed.get(`${groupId}|${topic}|${partition}`) ?? 0;
  }

  commit(groupId: string, topic: string, partition: number, nextOffset: number): void {
    this.committed.set(`${groupId}|${topic}|${partition}`, nextOffset);
  }

  /** Resolves at the next append (or after `ms`, so stop flags get noticed). */
  waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private partitionOf(key: string): number {
    return createHash('md5').update(key).digest().readUInt32BE(0) % this.partitions;
  }
}

const REDELIVERY_DELAY_MS = 100;

export class InProcessTransport implements Transport {
  readonly kind = 'in-process' as const;

  constructor(
    private readonly broker: InProcessBroker,
    private readonly options: { topicPrefix?: string } = {},
  ) {}

  connect(): Promise<void> {
    return Promise.resolve(); // nothing to connect to: the broker lives in this process
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const topic of topics) this.broker.createTopic(this.physical(topic.name));
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const message of messages) {
      this.broker.append({ ...message, topic: this.physical(message.topic) });
    }
  }

  async consume(options: ConsumerOptions, handler: DeliveryHandler): Promise<Subscription> {
    const state = { running: true, aborted: false };
    let abortInFlight: (err: Error) => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      abortInFlight = reject;
    });
    aborted.catch(() => undefined);

    const loops: Promise<void>[] = [];
    for (const logical of options.topics) {
      const topic = this.physical(logical);
      if (!this.broker.hasTopic(topic)) throw new Error(`unknown topic ${topic}`);
      for (let partition = 0; partition < this.broker.partitions; partition++) {
        loops.push(
          this.partitionLoop({ ...options, logical, topic, partition }, handler, state, aborted),
        );
      }
    }
    return {
      stop: async () => {
        state.running = false;
        await Promise.all(loops);
      },
      abort: async () => {
        state.running = false;
        state.aborted = true;
        abortInFlight(new TransportAbortedError());
        await Promise.all(loops);
      },
    };
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  async consumerLag(groupId: string, topics: readonly string[]): Promise<Map<string, number>> {
    const lag = new Map<string, number>();
    for (const logical of topics) {
      const topic = this.physical(logical);
      let behind = 0;
      for (let p = 0; p < this.broker.partitions; p++) {
        behind += Math.max(
          0,
          this.broker.endOffset(topic, p) - this.broker.committedOffset(groupId, topic, p),
        );
      }
      lag.set(logical, behind);
    }
    return lag;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async partitionLoop(
    at: ConsumerOptions & { logical: string; topic: string; partition: number },
    handler: DeliveryHandler,
    state: { running: boolean; aborted: boolean },
    aborted: Promise<never>,
  ): Promise<void> {
    const { groupId, logical, topic, partition } = at;
    while (state.running) {
      const offset = this.broker.committedOffset(groupId, topic, partition);
      // Everything appended since the last commit, up to a batch: Kafka's fetch, in memory.
      const batch: DeliveredMessage[] = [];
      for (let o = offset; batch.length < (at.maxBatchSize ?? 100); o++) {
        const message = this.broker.read(topic, partition, o);
        if (!message) break;
        batch.push({ ...message, topic: logical });
      }
      if (batch.length === 0) {
        await this.broker.waitForAppend(50);
        continue;
      }
      try {
        await Promise.race([handler(batch), aborted]);
        if (state.aborted) return;
        this.broker.commit(groupId, topic, partition, offset + batch.length);
      } catch {
        if (state.aborted) return;
        // Not committed: the same messages come again, as Kafka would after a failed handler.
        await new Promise((r) => setTimeout(r, REDELIVERY_DELAY_MS));
      }
    }
  }

  private physical(topic: string): string {
    return `${this.options.topicPrefix ?? ''}${topic}`;
  }
}
