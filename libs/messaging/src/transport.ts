/** A message as it travels on a transport: the bus above turns it into a typed event. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface DeliveredMessage extends OutgoingMessage {
  readonly partition: number;
  readonly offset: string;
}

/**
 * Called with a batch: consecutive messages of one partition, in order (never empty). Resolving
 * commits past the last of them; rejecting leaves the whole batch uncommitted so the transport
 * delivers it again (at-least-once). Batches of one partition never overlap.
 */
export type DeliveryHandler = (batch: readonly DeliveredMessage[]) => Promise<void>;

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Partitions handled at once; order is kept within a partition (i.e. per key). */
  readonly concurrency?: number;
  /** The most messages handed over in one batch (default 100). */
  readonly maxBatchSize?: number;
}

export interface Subscription {
  /** Stops fetching, waits for in-flight handlers, commits what succeeded. */
  stop(): Promise<void>;
  /** Simulates a crash: in-flight handlers are abandoned and nothing more is committed. */
  abort(): Promise<void>;
}

/** The seam between the event bus and a broker: Kafka in production, in-process when embedded. */
export interface TopicSpec {
  readonly name: string;
  /** Log compaction: the topic keeps the latest record per key (state, not history). */
  readonly compacted?: boolean;
}

export interface Transport {
  readonly kind: 'kafka' | 'in-process';
  connect(): Promise<void>;
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  consume(options: ConsumerOptions, handler: DeliveryHandler): Promise<Subscription>;
  /** Creates topics ahead of use (brokers here never auto-create). */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  isReady(): Promise<boolean>;
  /** Messages not yet committed by `groupId`, per (logical) topic. */
  consumerLag(groupId: string, topics: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export class TransportAbortedError extends Error {
  constructor() {
    super('consumer aborted');
    this.name = 'TransportAbortedError';
  }
}
