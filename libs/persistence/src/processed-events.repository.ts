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
