import { z } from 'zod';
import { col } from './columns';
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

  /**
   * A webhook acknowledged after one statement: its nonce, then its row — `insertRow` is an
   * `INSERT … SELECT … FROM nonce … ON CONFLICT DO NOTHING RETURNING 1` whose parameters start at
   * $2 — written only when the nonce is new. 'replayed': the nonce was seen before; 'repeated':
   * the row exists (the sender's retry under a new nonce changes nothing).
   */
  async acceptOnce(
    db: Database,
    nonce: string,
    insertRow: string,
    params: readonly unknown[],
  ): Promise<'accepted' | 'repeated' | 'replayed'> {
    const row = await db.selectOne(
      z.object({ fresh: col.bool, queued: col.bool }),
      `WITH nonce AS (
         INSERT INTO webhook_nonce (nonce) VALUES ($1) ON CONFLICT DO NOTHING RETURNING 1),
       queued AS (${insertRow})
       SELECT EXISTS (SELECT 1 FROM nonce) AS fresh, EXISTS (SELECT 1 FROM queued) AS queued`,
      [nonce, ...params],
    );
    return !row.fresh ? 'replayed' : row.queued ? 'accepted' : 'repeated';
  },

  /** Forgets nonces older than the window; returns how many. */
  forgetOlderThan(db: Database, windowHours: number): Promise<number> {
    return db.mutate(
      `DELETE FROM webhook_nonce WHERE seen_at < now() - make_interval(hours => $1)`,
      [windowHours],
    );
  },
};
