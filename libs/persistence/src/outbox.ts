import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import type { DataSource, EntityManager } from 'typeorm';
import { keyOf, topics, type PayloadOf, type Topic } from '@textback/contracts';

/** Adds an event to the outbox inside the caller's transaction. */
export async function addToOutbox<T extends Topic>(
  tx: EntityManager,
  topic: T,
  payload: PayloadOf<T>,
  options: { causationId?: string; eventId?: string } = {},
): Promise<string> {
  const parsed = topics[topic].schema.parse(payload) as PayloadOf<T>;
  // The key comes from the topic table, never from the caller.
  const key = keyOf(topic, parsed);
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const eventId = options.eventId ?? randomUUID();
  await tx.query(
    `INSERT INTO outbox_message (event_id, topic, message_key, payload, causation_id, traceparent)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      eventId,
      topic,
      key,
      JSON.stringify(parsed),
      options.causationId ?? null,
      carrier['traceparent'] ?? null,
    ],
  );
  return eventId;
}

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

interface OutboxRow {
  seq: string;
  event_id: string;
  topic: Topic;
  message_key: string;
  payload: unknown;
  causation_id: string | null;
  traceparent: string | null;
  created_at: Date;
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

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: OutboxPublisher,
    private readonly options: {
      pollMs?: number;
      batchSize?: number;
      onError?: (err: Error) => void;
    } = {},
  ) {}

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
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass; returns how many rows were published. Exposed for tests and draining. */
  async relayOnce(): Promise<number> {
    const lockKey = `outbox:${(this.dataSource.options as { schema?: string }).schema ?? 'public'}`;
    return this.dataSource.transaction(async (tx) => {
      const [lock] = (await tx.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [
        lockKey,
      ])) as { ok: boolean }[];
      if (!lock?.ok) return 0;
      const rows = (await tx.query(
        `SELECT seq, event_id, topic, message_key, payload, causation_id, traceparent, created_at
         FROM outbox_message WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
        [this.options.batchSize ?? 200],
      )) as OutboxRow[];
      if (rows.length === 0) return 0;
      await this.bus.publishAll(
        rows.map((r) => ({
          topic: r.topic,
          key: r.message_key,
          payload: r.payload,
          id: r.event_id,
          time: r.created_at.toISOString(),
          ...(r.causation_id ? { causationId: r.causation_id } : {}),
          ...(r.traceparent ? { traceparent: r.traceparent } : {}),
        })),
      );
      await tx.query(
        'UPDATE outbox_message SET published_at = now() WHERE seq = ANY($1::bigint[])',
        [rows.map((r) => r.seq)],
      );
      return rows.length;
    });
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    }, delay);
  }

  private async pass(): Promise<void> {
    let published = 0;
    try {
      do {
        this.wakeRequested = false;
        published = await this.relayOnce();
      } while (!this.stopped && (published > 0 || this.wakeRequested));
    } catch (err) {
      this.options.onError?.(err as Error);
    }
    if (!this.stopped) this.schedule(this.options.pollMs ?? 250);
  }
}
