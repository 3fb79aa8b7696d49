import type { Database } from './database';
import type { Tx } from './sql';

/**
 * Webhook nonces seen inside the replay window (a `webhook_nonce` table in the service's schema).
 * Remembered in the same transaction as the webhook's effects, so a request that failed before
 * committing can be retried by the sender, while a replay of one that succeeded cannot.
 */
export const webhookNonces = {
  /** False when the nonce was seen before (a replay). */
  async remember(tx: Tx, nonce: string): Promise<boolean> {
    const fresh = await tx.mutate(
      'INSERT INTO webhook_nonce (nonce) VALUES ($1) ON CONFLICT DO NOTHING',
      [nonce],
    );
    return fresh > 0;
  },

  /** Forgets nonces older than the window; returns how many. */
  forgetOlderThan(db: Database, windowHours: number): Promise<number> {
    return db.mutate(
      `DELETE FROM webhook_nonce WHERE seen_at < now() - make_interval(hours => $1)`,
      [windowHours],
    );
  },
};
