import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People sign in: a password (argon2id PHC string) and an optional TOTP second factor (its secret
 * sealed: it must be read back to check a code), throttles per account and per address, and web
 * sessions (cookie secret and CSRF token stored as SHA-256).
 */
export class SignIn1765100000000 implements MigrationInterface {
  name = 'SignIn1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE app_user
        ADD COLUMN password_hash text,
        ADD COLUMN totp_sealed text,
        ADD COLUMN totp_enabled boolean NOT NULL DEFAULT false,
        ADD COLUMN totp_last_step bigint`);
    await q.query(`
      CREATE TABLE sign_in_throttle (
        subject text PRIMARY KEY,
        failures integer NOT NULL DEFAULT 0,
        last_failure_at timestamptz,
        locked_until timestamptz,
        unlocked_by text,
        unlocked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE web_session (
        session_id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (user_id),
        tenant_id text,
        secret_sha256 bytea NOT NULL,
        csrf_sha256 bytea NOT NULL,
        address text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        idle_expires_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query('CREATE INDEX web_session_user ON web_session (user_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE web_session');
    await q.query('DROP TABLE sign_in_throttle');
    await q.query(
      'ALTER TABLE app_user DROP COLUMN password_hash, DROP COLUMN totp_sealed, DROP COLUMN totp_enabled, DROP COLUMN totp_last_step',
    );
  }
}
