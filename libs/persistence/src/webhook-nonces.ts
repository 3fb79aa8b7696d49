import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook nonces seen inside the replay window (a `webhook_nonce` table in the service's schema).
 * Remembered in the same transaction as the webhook's effects, so a request that failed before
 * committing can be retried by the sender, while a replay of one that succeeded cannot.
 * Returns false when the nonce was seen before.
 */
export async function rememberNonce(tx: EntityManager, nonce: string): Promise<boolean> {
  const fresh: unknown[] = await tx.query(
    'INSERT INTO webhook_nonce (nonce) VALUES ($1) ON CONFLICT DO NOTHING RETURNING nonce',
    [nonce],
  );
  return fresh.length > 0;
}

/** Forgets nonces older than the window, every `everyMs`; returns a stop function. */
export function purgeNoncesPeriodically(
  dataSource: DataSource,
  windowHours: number,
  everyMs = 600_000,
): () => void {
  const purge = (): void =>
    void dataSource
      .query(`DELETE FROM webhook_nonce WHERE seen_at < now() - make_interval(hours => $1)`, [
        windowHours,
      ])
      .catch(() => undefined);
  const timer = setInterval(purge, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The nonce table, added to the migrations of each service that takes signed webhooks. */
export class WebhookNonce1763900250000 implements MigrationInterface {
  name = 'WebhookNonce1763900250000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_nonce (
        nonce text PRIMARY KEY,
        seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX webhook_nonce_seen ON webhook_nonce (seen_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_nonce');
  }
}
