import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every decision with its reason: "why did / didn't this caller get a text" is one query. */
export class TextbackDecision1763800200000 implements MigrationInterface {
  name = 'TextbackDecision1763800200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE textback_decision (
        call_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        caller_number text NOT NULL,
        call_outcome text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('requested', 'suppressed')),
        reason text,
        textback_id uuid,
        decided_at timestamptz NOT NULL DEFAULT now(),
        caused_by_event uuid NOT NULL
      )`);
    await q.query(
      'CREATE INDEX textback_decision_location_caller ON textback_decision (location_id, caller_number, decided_at DESC)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE textback_decision');
  }
}
