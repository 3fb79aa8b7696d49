import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ConsentState1763900050000 implements MigrationInterface {
  name = 'ConsentState1763900050000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consent_state (
        tenant_id text NOT NULL,
        phone_number text NOT NULL,
        state text NOT NULL CHECK (state IN ('opted-in', 'opted-out')),
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, phone_number)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE consent_state');
  }
}

/** Per-number opt-outs (a tenant may scope an opt-out to the number it was sent to). */
export class ConsentStateByNumber1763900600000 implements MigrationInterface {
  name = 'ConsentStateByNumber1763900600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consent_state ADD COLUMN channel_number text NOT NULL DEFAULT ''`);
    await q.query('ALTER TABLE consent_state DROP CONSTRAINT consent_state_pkey');
    await q.query(
      'ALTER TABLE consent_state ADD PRIMARY KEY (tenant_id, phone_number, channel_number)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM consent_state WHERE channel_number <> ''`);
    await q.query('ALTER TABLE consent_state DROP CONSTRAINT consent_state_pkey');
    await q.query('ALTER TABLE consent_state ADD PRIMARY KEY (tenant_id, phone_number)');
    await q.query('ALTER TABLE consent_state DROP COLUMN channel_number');
  }
}

/** Add to a service's migrations, in this order. */
export const consentStateMigrations = [
  ConsentState1763900050000,
  ConsentStateByNumber1763900600000,
];
