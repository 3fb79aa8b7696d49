import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` at most once per (consumer, eventId): the processed-event row and the work's own
 * writes commit in one transaction, so a redelivered event is skipped and a crash mid-way
 * leaves nothing half-done. Returns false when the event had already been handled.
 */
export async function handleOnce(
  dataSource: DataSource,
  consumer: string,
  eventId: string,
  work: (tx: EntityManager) => Promise<void>,
): Promise<boolean> {
  return dataSource.transaction(async (tx) => {
    const inserted: unknown[] = await tx.query(
      `INSERT INTO processed_event (consumer, event_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, eventId],
    );
    if (inserted.length === 0) return false;
    await work(tx);
    return true;
  });
}
