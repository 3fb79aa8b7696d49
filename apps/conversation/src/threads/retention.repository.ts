import type { Sql, SystemScope } from '@textback/persistence';

const REDACTED = '(removed after the retention period)';
/** Threads quiet since before the cutoff. */
const quiet = 'SELECT thread_id FROM thread WHERE last_message_at < $1';

/**
 * What customers and staff wrote, once a thread has been quiet past the retention period: the
 * message bodies, the raw inbound texts, notes, drafts, alert texts and the customer's name go;
 * the thread, its numbers (threading and consent need them), times and outcomes stay.
 */
export const retentionRepository = {
  /** Redacts every quiet thread's texts; the number of rows changed. */
  async redactQuietSince(tx: Sql, _scope: SystemScope, cutoff: Date): Promise<number> {
    const statements: [string, unknown[]][] = [
      [
        `UPDATE thread_message SET body = NULL WHERE body IS NOT NULL AND thread_id IN (${quiet})`,
        [cutoff],
      ],
      [
        `UPDATE thread_note SET body = $2 WHERE body <> $2 AND thread_id IN (${quiet})`,
        [cutoff, REDACTED],
      ],
      [`DELETE FROM thread_draft WHERE thread_id IN (${quiet})`, [cutoff]],
      [
        `UPDATE inbox_alert SET title = $2, body = $2 WHERE body <> $2 AND thread_id IN (${quiet})`,
        [cutoff, REDACTED],
      ],
      [
        'UPDATE thread SET customer_name = NULL WHERE customer_name IS NOT NULL AND last_message_at < $1',
        [cutoff],
      ],
      [
        'UPDATE inbound_message SET body = NULL WHERE body IS NOT NULL AND received_at < $1',
        [cutoff],
      ],
      // Partners' reply request ids (their retries come within days, never a retention later).
      ['DELETE FROM reply_request WHERE requested_at < $1', [cutoff]],
    ];
    let changed = 0;
    for (const [sql, params] of statements) changed += await tx.mutate(sql, params);
    return changed;
  },
};
