import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * sms-dispatch once kept its own copy of consent; every send now asks compliance (fail closed),
 * so the copy is dropped rather than left to go stale beside personal data.
 */
export class DropConsentCopy1763990300000 implements MigrationInterface {
  name = 'DropConsentCopy1763990300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS consent_state');
  }

  async down(q: QueryRunner): Promise<void> {
    // The copy was derived from consent.changed.v1; replaying that topic rebuilds it where still wanted.
    await q.query(`
      CREATE TABLE consent_state (
        tenant_id text NOT NULL,
        phone_number text NOT NULL,
        channel_number text NOT NULL DEFAULT '',
        state text NOT NULL CHECK (state IN ('opted-in', 'opted-out')),
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, phone_number, channel_number)
      )`);
  }
}
