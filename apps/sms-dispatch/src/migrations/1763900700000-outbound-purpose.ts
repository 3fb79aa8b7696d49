import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sends that are not text-backs (HELP replies, opt-out confirmations, operator replies, follow-ups). */
export class OutboundPurpose1763900700000 implements MigrationInterface {
  name = 'OutboundPurpose1763900700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_sms ADD COLUMN purpose text NOT NULL DEFAULT 'textback'`);
    await q.query('ALTER TABLE outbound_sms ADD COLUMN requested_at timestamptz');
    await q.query(
      `COMMENT ON COLUMN outbound_sms.call_id IS 'the call a text-back answers, or the reply request id'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE outbound_sms DROP COLUMN requested_at');
    await q.query('ALTER TABLE outbound_sms DROP COLUMN purpose');
  }
}
