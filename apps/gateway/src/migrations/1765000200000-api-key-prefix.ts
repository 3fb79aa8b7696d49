import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An API key's prefix is part of what is checked: `txk` (the gateway's own) or `tbk` (reporting's
 * analyst keys, moved here and still presented as they were issued).
 */
export class ApiKeyPrefix1765000200000 implements MigrationInterface {
  name = 'ApiKeyPrefix1765000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE api_key ADD COLUMN prefix text NOT NULL DEFAULT 'txk' CHECK (prefix IN ('txk', 'tbk'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE api_key DROP COLUMN prefix');
  }
}
