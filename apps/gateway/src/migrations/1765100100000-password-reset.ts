import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Password reset links: one-time, short-lived, SHA-256 of the secret only. */
export class PasswordReset1765100100000 implements MigrationInterface {
  name = 'PasswordReset1765100100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE password_reset (
        reset_id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (user_id),
        secret_sha256 bytea NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE password_reset');
  }
}
