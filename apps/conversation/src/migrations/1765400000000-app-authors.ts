import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Partner applications write into threads (#19): their names, as the gateway's token gives them,
 * so the inbox shows who wrote what (a person's name comes from the team instead).
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE app_author');
  }
}
