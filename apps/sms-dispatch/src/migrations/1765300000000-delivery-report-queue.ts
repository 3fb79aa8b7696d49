import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delivery report is acknowledged once its row is durable (one insert); what it says is
 * applied to its send afterwards, in batches (#17). Rows written before this were applied.
 */
export class DeliveryReportQueue1765300000000 implements MigrationInterface {
  name = 'DeliveryReportQueue1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE delivery_report
      ADD COLUMN seq bigserial,
      ADD COLUMN send_id uuid,
      ADD COLUMN applied_at timestamptz`);
    await q.query('UPDATE delivery_report SET applied_at = received_at');
    await q.query(
      'CREATE INDEX delivery_report_pending ON delivery_report (seq) WHERE applied_at IS NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX delivery_report_pending');
    await q.query(
      'ALTER TABLE delivery_report DROP COLUMN seq, DROP COLUMN send_id, DROP COLUMN applied_at',
    );
  }
}
