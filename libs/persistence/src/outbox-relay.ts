import type { Topic } from '@textback/contracts';
import { outboxRepository } from './outbox.repository';
import { systemScope, type SystemScope } from './scope';
import { outsideBatches, type Database } from './database';

/** What the relay publishes through: the event bus (kept structural so persistence stays below messaging). */
export interface OutboxPublisher {
  publishAll(
    events: readonly {
      topic: Topic;
      key: string;
      payload: unknown;
      id: string;
      time: string;
      causationId?: string;
      traceparent?: string;
    }[],
  ): Promise<unknown>;
}

/**
 * Publishes outbox rows in order and marks them published. One relay per schema works at a time
 * (a transaction-scoped advisory lock), which keeps per-key order across replicas. A crash
 * between publish and mark re-publishes: consumers are idempotent on the event id.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wakeRequested = false;
  /** When the next pass is due (a wake-up never pushes it later). */
  private dueAt = Infinity;
  private lastPurgeAt = 0;
  private readonly everyTenant: SystemScope;

  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly bus: OutboxPublisher,
    private readonly options: {
      pollMs?: number;
      /**
       * How long a commit's wake-up waits for others (0: none): events nobody waits on for a
       * moment (a status, a read model's input) go out together, in one pass.
       */
      lingerMs?: number;
      batchSize?: number;
      onError?: (err: Error) => void;
      log?: { info(fields: object, message: string): void };
      /** Published rows are deleted this long after publishing (default 7 days). */
      retainPublishedMs?: number;
      /** How often a pass also purges (default hourly). */
      purgeEveryMs?: number;
    } = {},
  ) {
    this.everyTenant = systemScope(
      `outbox relay of ${schema}`,
      options.log ?? { info: () => undefined },
    );
    db.whenOutboxCommitted(() => this.wake());
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a relay pass now (after a commit that added rows), instead of at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    const linger = this.options.lingerMs ?? 0;
    if (this.dueAt > performance.now() + linger) this.schedule(linger);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass; returns how many rows were published. Exposed for tests and draining. */
  async relayOnce(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await outboxRepository.takeUnpublished(
        tx,
        this.everyTenant,
        this.schema,
        this.options.batchSize ?? 200,
      );
      if (rows.length === 0) return 0;
      // Published before the commit that marks them: a failed publish leaves them unpublished.
      await this.bus.publishAll(
        rows.map((r) => ({
          topic: r.topic,
          key: r.messageKey,
          payload: r.payload,
          id: r.eventId,
          time: r.createdAt.toISOString(),
          ...(r.causationId ? { causationId: r.causationId } : {}),
          ...(r.traceparent ? { traceparent: r.traceparent } : {}),
        })),
      );
      return rows.length;
    });
  }

  /** Deletes published rows past their retention, in batches; returns how many. */
  async purgeOnce(): Promise<number> {
    const retain = this.options.retainPublishedMs ?? 7 * 86_400_000;
    let purged = 0;
    for (;;) {
      const n = await outboxRepository.purgePublished(this.db, this.everyTenant, retain, 5_000);
      purged += n;
      if (n < 5_000) return purged;
    }
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = performance.now() + delay;
    // Never inside a consumer's batch: a wake-up from a handler must not join its transaction.
    this.timer = setTimeout(() => {
      this.dueAt = Infinity;
      this.running = outsideBatches(() => this.pass()).finally(() => {
        this.running = undefined;
      });
    }, delay);
  }

  private async pass(): Promise<void> {
    let published = 0;
    try {
      // A pass that found fewer rows than a batch emptied the outbox: no second pass to see it
      // empty (one transaction per wake-up, not two), unless a commit woke it meanwhile.
      const batch = this.options.batchSize ?? 200;
      do {
        this.wakeRequested = false;
        published = await this.relayOnce();
      } while (
        !this.stopped &&
        (published >= batch || (this.wakeRequested && !this.options.lingerMs))
      );
      // Housekeeping between passes: published rows do not pile up forever.
      if (performance.now() - this.lastPurgeAt > (this.options.purgeEveryMs ?? 3_600_000)) {
        this.lastPurgeAt = performance.now();
        await this.purgeOnce();
      }
    } catch (err) {
      this.options.onError?.(err as Error);
    }
    // A commit during the pass (when lingering) is published after the linger, with its peers.
    if (!this.stopped)
      this.schedule(
        this.wakeRequested ? (this.options.lingerMs ?? 0) : (this.options.pollMs ?? 250),
      );
  }
}
