import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Analyst API keys, each scoped to one tenant; only a hash of the secret is kept. */
export class ApiKeys1763990100000 implements MigrationInterface {
  name = 'ApiKeys1763990100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key (
        key_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        secret_sha256 bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query('CREATE INDEX api_key_by_tenant ON api_key (tenant_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE api_key');
  }
}
