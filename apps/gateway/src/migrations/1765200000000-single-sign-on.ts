import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants' sign-in settings (require single sign-on, require a second factor, the OpenID issuer,
 * client and group-to-role mapping, the client secret sealed), people's links to their identity
 * provider's subject, sign-ins under way (PKCE verifier, nonce; the state stored as SHA-256),
 * memberships the identity provider manages, and how a session was signed in.
 */
export class SingleSignOn1765200000000 implements MigrationInterface {
  name = 'SingleSignOn1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_sign_in (
        tenant_id text PRIMARY KEY REFERENCES tenant (tenant_id),
        require_sso boolean NOT NULL DEFAULT false,
        require_second_factor boolean NOT NULL DEFAULT false,
        sso_issuer text,
        sso_client_id text,
        sso_client_secret_sealed text,
        sso_groups_claim text NOT NULL DEFAULT 'groups',
        sso_role_mappings jsonb NOT NULL DEFAULT '[]',
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK (NOT require_sso OR sso_issuer IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE sso_identity (
        tenant_id text NOT NULL REFERENCES tenant (tenant_id),
        subject text NOT NULL,
        issuer text NOT NULL,
        user_id uuid NOT NULL REFERENCES app_user (user_id),
        linked_at timestamptz NOT NULL,
        last_sign_in_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, issuer, subject)
      )`);
    await q.query(`
      CREATE TABLE sso_attempt (
        state_sha256 bytea PRIMARY KEY,
        tenant_id text NOT NULL,
        code_verifier text NOT NULL,
        nonce text NOT NULL,
        redirect_uri text NOT NULL,
        return_to text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(
      `ALTER TABLE membership ADD COLUMN managed_by_sso boolean NOT NULL DEFAULT false`,
    );
    await q.query(
      `ALTER TABLE web_session ADD COLUMN method text NOT NULL DEFAULT 'password'
         CHECK (method IN ('password', 'password+totp', 'sso'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE web_session DROP COLUMN method');
    await q.query('ALTER TABLE membership DROP COLUMN managed_by_sso');
    await q.query('DROP TABLE sso_attempt');
    await q.query('DROP TABLE sso_identity');
    await q.query('DROP TABLE tenant_sign_in');
  }
}
