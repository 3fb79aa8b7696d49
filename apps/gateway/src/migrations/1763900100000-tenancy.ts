import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants (brands), their locations, and which location each business number belongs to. */
export class Tenancy1763900100000 implements MigrationInterface {
  name = 'Tenancy1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant (
        tenant_id text PRIMARY KEY,
        settings jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE location (
        location_id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenant (tenant_id),
        version integer NOT NULL,
        settings jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX location_tenant ON location (tenant_id)');
    // A number rings at one location only: the database refuses a second owner.
    await q.query(`
      CREATE TABLE business_number (
        number text PRIMARY KEY,
        location_id text NOT NULL REFERENCES location (location_id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE business_number');
    await q.query('DROP TABLE location');
    await q.query('DROP TABLE tenant');
  }
}
