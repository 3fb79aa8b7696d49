import type { MigrationInterface, QueryRunner } from 'typeorm';

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
