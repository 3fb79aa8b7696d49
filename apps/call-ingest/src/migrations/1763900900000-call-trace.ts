import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The trace a call's first webhook started: every later webhook and the call's events continue it. */
export class CallTrace1763900900000 implements MigrationInterface {
  name = 'CallTrace1763900900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE plivo_call ADD COLUMN traceparent text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE plivo_call DROP COLUMN traceparent');
  }
}
