import { z } from 'zod';
import { col } from './columns';
import type { Database } from './database';
import type { Tx } from './sql';

export type WebhookAcceptance = 'accepted' | 'repeated' | 'replayed';

/**
 * A table of webhooks acknowledged before they are applied: its columns (in the order of each
 * hook's `values`, with their PostgreSQL types) and its unique key (a subset of the columns).
 * Identifiers come from code, never from input.
 */
export interface WebhookQueue {
  table: string;
  columns: readonly { name: string; type: 'text' | 'bigint' | 'uuid' | 'jsonb' }[];
  key: readonly string[];
}

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
   * Webhooks acknowledged after one statement for all of them (a group commit): each one's
   * nonce, then its row in `queue.table` — written only when the nonce is new, and only once per
   * `queue.key` (`ON CONFLICT DO NOTHING`). One answer per hook, in order: 'replayed' when its
   * nonce was seen before (or earlier in the same group), 'repeated' when its row exists already
   * (the sender's retry under a new nonce changes nothing), else 'accepted'.
   */
  async acceptEach(
    db: Database,
    queue: WebhookQueue,
    hooks: readonly { nonce: string; values: readonly unknown[] }[],
  ): Promise<WebhookAcceptance[]> {
    const names = queue.columns.map((c) => c.name);
    const arrays = queue.columns.map((c, i) => `$${i + 2}::${c.type}[]`);
    const sameKey = queue.key.map((k) => `q.${k} = i.${k}`).join(' AND ');
    const rows = await db.select(
      z.object({ fresh: col.bool, queued: col.bool }),
      `WITH input AS (
         SELECT * FROM unnest($1::text[], ${arrays.join(', ')}) WITH ORDINALITY
           AS i(nonce, ${names.join(', ')}, n)),
       nonce AS (
         INSERT INTO webhook_nonce (nonce) SELECT nonce FROM input ON CONFLICT DO NOTHING
         RETURNING nonce),
       queued AS (
         INSERT INTO ${queue.table} (${names.join(', ')})
         SELECT ${names.join(', ')} FROM input WHERE nonce IN (SELECT nonce FROM nonce) ORDER BY n
         ON CONFLICT DO NOTHING RETURNING ${queue.key.join(', ')})
       SELECT EXISTS (SELECT 1 FROM nonce f WHERE f.nonce = i.nonce) AS fresh,
              EXISTS (SELECT 1 FROM queued q WHERE ${sameKey}) AS queued
       FROM input i ORDER BY i.n`,
      [hooks.map((h) => h.nonce), ...queue.columns.map((_, c) => hooks.map((h) => h.values[c]))],
    );
    // Within one group the database cannot tell the first of two alike from the second.
    const nonces = new Set<string>();
    const keys = new Set<string>();
    const keyAt = queue.key.map((k) => names.indexOf(k));
    return hooks.map((hook, i) => {
      const row = rows[i];
      if (!row || !row.fresh || nonces.has(hook.nonce)) return 'replayed';
      nonces.add(hook.nonce);
      const key = JSON.stringify(keyAt.map((c) => hook.values[c]));
      if (keys.has(key)) return 'repeated';
      keys.add(key);
      return row.queued ? 'accepted' : 'repeated';
    });
  },

  /** Forgets nonces older than the window; returns how many. */
  forgetOlderThan(db: Database, windowHours: number): Promise<number> {
    return db.mutate(
      `DELETE FROM webhook_nonce WHERE seen_at < now() - make_interval(hours => $1)`,
      [windowHours],
    );
  },
};
