import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The directory's table, added to each consuming service's migrations. */
export class LocationDirectory1763900000000 implements MigrationInterface {
  name = 'LocationDirectory1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE location_directory (
        location_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        version integer NOT NULL,
        profile jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE location_directory');
  }
}
