import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A voice webhook is acknowledged once its row is durable (one insert); what it says is applied
 * to the call afterwards, in batches (#17). Rows written before this were applied already.
 */
export class VoiceWebhookQueue1765000000000 implements MigrationInterface {
  name = 'VoiceWebhookQueue1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE plivo_webhook
      ADD COLUMN seq bigserial,
      ADD COLUMN fields jsonb NOT NULL DEFAULT '{}',
      ADD COLUMN applied_at timestamptz`);
    await q.query('UPDATE plivo_webhook SET applied_at = received_at');
    await q.query(
      'CREATE INDEX plivo_webhook_pending ON plivo_webhook (seq) WHERE applied_at IS NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX plivo_webhook_pending');
    await q.query(
      'ALTER TABLE plivo_webhook DROP COLUMN seq, DROP COLUMN fields, DROP COLUMN applied_at',
    );
  }
}
