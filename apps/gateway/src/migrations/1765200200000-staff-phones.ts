import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person's phone for sign-in texts (invitations, password resets) and their consent to get
 * them: when, and on whose word (`self`, or the person who added them and attested it).
 */
export class StaffPhones1765200200000 implements MigrationInterface {
  name = 'StaffPhones1765200200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE app_user
        ADD COLUMN phone text,
        ADD COLUMN text_consent_at timestamptz,
        ADD COLUMN text_consent_by text,
        ADD CONSTRAINT app_user_consent_needs_phone CHECK (text_consent_at IS NULL OR phone IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE app_user DROP CONSTRAINT app_user_consent_needs_phone, DROP COLUMN phone, DROP COLUMN text_consent_at, DROP COLUMN text_consent_by',
    );
  }
}
