import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People and partners: users, their memberships (user × tenant × role × locations or a location
 * group), location groups (regions), refresh tokens and invitations (SHA-256 of the secret only),
 * OAuth2 client-credentials clients and the grants tenants give them.
 */
export class Identity1765000000000 implements MigrationInterface {
  name = 'Identity1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE location_group (
        group_id text NOT NULL,
        tenant_id text NOT NULL REFERENCES tenant (tenant_id),
        name text NOT NULL,
        location_ids text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, group_id)
      )`);
    await q.query(`
      CREATE TABLE app_user (
        user_id uuid PRIMARY KEY,
        email text NOT NULL UNIQUE,
        display_name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz
      )`);
    // tenant_id NULL: a platform administrator (every tenant).
    await q.query(`
      CREATE TABLE membership (
        user_id uuid NOT NULL REFERENCES app_user (user_id),
        tenant_id text REFERENCES tenant (tenant_id),
        role text NOT NULL,
        location_ids text[],
        group_id text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((role = 'platform-admin') = (tenant_id IS NULL)),
        CHECK (location_ids IS NULL OR group_id IS NULL),
        FOREIGN KEY (tenant_id, group_id) REFERENCES location_group (tenant_id, group_id)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX membership_user_tenant ON membership (user_id, COALESCE(tenant_id, '*'))`,
    );
    await q.query('CREATE INDEX membership_tenant ON membership (tenant_id)');
    await q.query(`
      CREATE TABLE refresh_token (
        token_id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (user_id),
        tenant_id text,
        secret_sha256 bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query('CREATE INDEX refresh_token_user ON refresh_token (user_id)');
    await q.query(`
      CREATE TABLE invitation (
        invitation_id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (user_id),
        tenant_id text,
        secret_sha256 bytea NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE partner_client (
        client_id text PRIMARY KEY,
        name text NOT NULL,
        secret_sha256 bytea NOT NULL,
        scopes text[] NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE partner_grant (
        client_id text NOT NULL REFERENCES partner_client (client_id),
        tenant_id text NOT NULL REFERENCES tenant (tenant_id),
        scopes text[] NOT NULL,
        location_ids text[],
        granted_by text NOT NULL,
        granted_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        PRIMARY KEY (client_id, tenant_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'partner_grant',
      'partner_client',
      'invitation',
      'refresh_token',
      'membership',
      'app_user',
      'location_group',
    ])
      await q.query(`DROP TABLE ${table}`);
  }
}
