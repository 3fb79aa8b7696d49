import type { Registry } from 'prom-client';
import type { EventEnvelope, Topic } from '@textback/contracts';
import type { RetryOptions } from './retrying';
import type { Transport } from './transport';

export type { RetryOptions } from './retrying';

export type EventHandler<T extends Topic> = (event: EventEnvelope<T>) => Promise<void>;

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
  /**
   * Runs a batch of events as one unit (the service's database batch: one transaction). When
   * it fails, the batch's events are handled again one by one, each with its retries and dead
   * letter. Without it every event is its own unit. `events`: the batch's ids and topics (each
   * consumer records its topic's as handled in one statement).
   */
  readonly unitOfWork?: (
    work: () => Promise<void>,
    events: readonly { id: string; topic: string }[],
  ) => Promise<void>;
  /** The most events in one batch (default 100). */
  readonly maxBatchSize?: number;
  /**
   * Units of work in flight at once (default 2); partitions' batches delivered meanwhile wait
   * and go into the next unit together.
   */
  readonly unitsInFlight?: number;
}

export interface PublishOptions {
  readonly id?: string;
  readonly causationId?: string;
}
