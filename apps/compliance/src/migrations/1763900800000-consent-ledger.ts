import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The consent ledger: append-only, one row per consent change, with where it came from. Current
 * state is derived from it (the latest row covering the number). Texts can be redacted after the
 * retention period; the changes themselves are kept. Messages that need a person go to review.
 */
export class ConsentLedger1763900800000 implements MigrationInterface {
  name = 'ConsentLedger1763900800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consent_change (
        seq bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        phone_number text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('tenant', 'number')),
        channel_number text,
        state text NOT NULL CHECK (state IN ('opted-out', 'opted-in')),
        source text NOT NULL,
        detail text,
        message_id text,
        message_text text,
        actor text,
        reason text,
        changed_at timestamptz NOT NULL DEFAULT now(),
        text_redacted_at timestamptz
      )`);
    await q.query(
      'CREATE INDEX consent_change_number ON consent_change (tenant_id, phone_number, seq)',
    );
    // One change per message and source: a redelivered message is not recorded twice.
    await q.query(
      'CREATE UNIQUE INDEX consent_change_message ON consent_change (message_id, source) WHERE message_id IS NOT NULL',
    );
    await q.query(`
      CREATE TABLE consent_review (
        message_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        phone_number text NOT NULL,
        verdict text NOT NULL CHECK (verdict IN ('revocation', 'ambiguous')),
        rule text NOT NULL,
        message_text text,
        flagged_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE consent_review');
    await q.query('DROP TABLE consent_change');
  }
}
