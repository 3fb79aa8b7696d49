import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When the call a text-back answers ended: time to text is measured from it. */
export class CallEndedAt1763900960000 implements MigrationInterface {
  name = 'CallEndedAt1763900960000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE outbound_sms ADD COLUMN call_ended_at timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE outbound_sms DROP COLUMN call_ended_at');
  }
}
