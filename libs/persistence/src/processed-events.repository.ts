import { z } from 'zod';
import type { Database } from './database';
import type { Tx } from './sql';

/**
 * Runs `work` at most once per (consumer, eventId): the processed-event row and the work's own
 * writes commit in one transaction, so a redelivered event is skipped and a crash mid-way
 * leaves nothing half-done. Returns false when the event had already been handled.
 */
export async function handleOnce(
  db: Database,
  consumer: string,
  eventId: string,
  work: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  const batch = db.batchOf();
  const topic = batch?.eventTopics.get(eventId);
  if (batch && topic !== undefined) {
    // In a consumer's batch: its first event of a topic records all of that topic's in one
    // statement (a consumer handles one topic; the batch may hold several).
    const key = `${consumer}\u0000${topic}`;
    let fresh = batch.freshByConsumer.get(key);
    if (!fresh) {
      const ids = [...batch.eventTopics].flatMap(([id, t]) => (t === topic ? [id] : []));
      fresh = await recordBatch(batch.tx, consumer, ids);
      batch.freshByConsumer.set(key, fresh);
    }
    // Taken once: the same event twice in a batch (a relay's re-publish) is handled once.
    if (!fresh.delete(eventId)) return false;
    return db.transaction(async (tx) => {
      await work(tx);
      return true;
    });
  }
  return db.transaction(async (tx) => {
    const inserted = await tx.mutate(
      `INSERT INTO processed_event (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [consumer, eventId],
    );
    if (inserted === 0) return false;
    await work(tx);
    return true;
  });
}

/** Records a batch's events for a consumer at once; returns the ids it had not handled before. */
async function recordBatch(
  tx: Tx,
  consumer: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  const rows = await tx.select(
    z.object({ eventId: z.string() }),
    `INSERT INTO processed_event (consumer, event_id) SELECT $1, unnest($2::text[])
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumer, eventIds],
  );
  return new Set(rows.map((r) => r.eventId));
}
