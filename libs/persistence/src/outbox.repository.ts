import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { z } from 'zod';
import { keyOf, topics, type PayloadOf, type Topic } from '@textback/contracts';
import { col } from './columns';
import type { SystemScope } from './scope';
import type { Database } from './database';
import type { Tx } from './sql';

/**
 * Adds an event to the outbox of the caller's transaction; the relay is woken once it commits.
 * The key comes from the topic table, never from the caller. The transaction's events are
 * inserted together, in the order added, just before it commits (one statement for a batch).
 */
export function addToOutbox<T extends Topic>(
  tx: Tx,
  topic: T,
  payload: PayloadOf<T>,
  options: { causationId?: string; eventId?: string } = {},
): Promise<string> {
  const parsed = topics[topic].schema.parse(payload) as PayloadOf<T>;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const eventId = options.eventId ?? randomUUID();
  tx.gathered(OUTBOX, (): OutboxEntry[] => [], insertOutboxEntries).push({
    eventId,
    topic,
    key: keyOf(topic, parsed),
    payload: JSON.stringify(parsed),
    causationId: options.causationId ?? null,
    traceparent: carrier['traceparent'] ?? null,
  });
  tx.wroteOutbox();
  return Promise.resolve(eventId);
}

interface OutboxEntry {
  eventId: string;
  topic: string;
  key: string;
  payload: string;
  causationId: string | null;
  traceparent: string | null;
}
/** The key of the outbox entries a transaction gathers (see `Tx.gathered`). */
const OUTBOX = { gathering: 'outbox_message' };

async function insertOutboxEntries(tx: Tx, entries: readonly OutboxEntry[]): Promise<void> {
  await tx.mutate(
    `INSERT INTO outbox_message (event_id, topic, message_key, payload, causation_id, traceparent)
     SELECT e, t, k, p, c, tp
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[])
       WITH ORDINALITY AS o(e, t, k, p, c, tp, n)
     ORDER BY n`,
    [
      entries.map((e) => e.eventId),
      entries.map((e) => e.topic),
      entries.map((e) => e.key),
      entries.map((e) => e.payload),
      entries.map((e) => e.causationId),
      entries.map((e) => e.traceparent),
    ],
  );
}

const OutboxRow = z.object({
  seq: col.bigint,
  eventId: col.uuid,
  topic: z.string().refine((t): t is Topic => t in topics, 'not a known topic'),
  messageKey: col.text,
  payload: col.json,
  causationId: col.text.nullable(),
  traceparent: col.text.nullable(),
  createdAt: col.timestamp,
});
export type OutboxRow = z.output<typeof OutboxRow>;

/**
 * The relay's statements; one relay per schema works at a time (a transaction-scoped lock). The
 * outbox holds every tenant's events, so the relay reads it under a system scope.
 */
export const outboxRepository = {
  /**
   * Takes the relay's lock, then the oldest unpublished rows, marking them published, in one
   * statement; none when another relay of the schema holds the lock. The caller publishes them
   * before its transaction commits (a failed publish rolls the mark back). The outer
   * `published_at IS NULL` is re-checked on the newest row version, so rows another relay
   * published after this statement's snapshot are skipped, never published twice.
   */
  async takeUnpublished(
    tx: Tx,
    _scope: SystemScope,
    schema: string,
    limit: number,
  ): Promise<OutboxRow[]> {
    const rows = await tx.select(
      OutboxRow,
      `WITH relay AS (SELECT pg_try_advisory_xact_lock(hashtext($2)) AS ok)
       UPDATE outbox_message SET published_at = now()
       WHERE (SELECT ok FROM relay) AND published_at IS NULL AND seq IN (
         SELECT seq FROM outbox_message WHERE published_at IS NULL ORDER BY seq LIMIT $1)
       RETURNING seq, event_id, topic, message_key, payload, causation_id, traceparent, created_at`,
      [limit, `outbox:${schema}`],
    );
    // RETURNING keeps no order: publish in the outbox's.
    return rows.sort((a, b) => a.seq - b.seq);
  },

  /**
   * Deletes up to `limit` rows published more than `retainMs` ago (the broker has them; the
   * outbox only needs what is not yet published). Returns how many.
   */
  purgePublished(db: Database, _scope: SystemScope, retainMs: number, limit: number) {
    return db.mutate(
      `DELETE FROM outbox_message WHERE seq IN (
         SELECT seq FROM outbox_message
         WHERE published_at < now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY seq LIMIT $2)`,
      [retainMs, limit],
    );
  },
};
