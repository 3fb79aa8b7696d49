import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Partner applications write into threads (#19): their names, as the gateway's token gives them,
 * so the inbox shows who wrote what (a person's name comes from the team instead); and the
 * request id of each reply they asked for, so a retry never texts twice.
 */
export class AppAuthors1765400000000 implements MigrationInterface {
  name = 'AppAuthors1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_author (
        subject text PRIMARY KEY,
        display_name text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE reply_request (
        request_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        thread_id uuid NOT NULL,
        reply_id text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reply_request');
    await q.query('DROP TABLE app_author');
  }
}
