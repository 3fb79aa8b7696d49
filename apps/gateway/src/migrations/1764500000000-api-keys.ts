import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's API keys: machine credentials with scopes (permissions), optionally narrowed to
 * some locations and to a lifetime. Only the secret's SHA-256 is stored; the key is shown once.
 */
export class ApiKeys1764500000000 implements MigrationInterface {
  name = 'ApiKeys1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key (
        key_id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenant (tenant_id),
        name text NOT NULL,
        secret_sha256 bytea NOT NULL,
        permissions text[] NOT NULL,
        location_ids text[],
        expires_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query('CREATE INDEX api_key_tenant ON api_key (tenant_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE api_key');
  }
}
