import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The trace of the request a send answers: the send, the carrier call and its reports continue it. */
export class SendTrace1763900950000 implements MigrationInterface {
  name = 'SendTrace1763900950000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE outbound_sms ADD COLUMN traceparent text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE outbound_sms DROP COLUMN traceparent');
  }
}
