import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An operator's reply is in the thread from the moment it is asked for (status `requested`), and
 * a text that was not sent keeps the reason (e.g. the customer opted out) for the inbox to show.
 */
export class MessageFailure1764400000000 implements MigrationInterface {
  name = 'MessageFailure1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE thread_message ADD COLUMN failure_reason text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE thread_message DROP COLUMN failure_reason');
  }
}
