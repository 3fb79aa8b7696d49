import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM secrets sealed at rest: `secret_sealed` holds the JWE (envelope encryption, key id in its
 * header). Plain `secret` values left from before are sealed by the service at its next start
 * (the key is not available to SQL) and then cleared.
 */
export class SealedCrmSecrets1765000100000 implements MigrationInterface {
  name = 'SealedCrmSecrets1765000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE crm_endpoint ADD COLUMN secret_sealed text');
    await q.query('ALTER TABLE crm_endpoint ALTER COLUMN secret DROP NOT NULL');
    await q.query(
      'ALTER TABLE crm_endpoint ADD CONSTRAINT crm_endpoint_has_secret CHECK (secret IS NOT NULL OR secret_sealed IS NOT NULL)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE crm_endpoint DROP CONSTRAINT crm_endpoint_has_secret');
    await q.query('ALTER TABLE crm_endpoint DROP COLUMN secret_sealed');
  }
}
