import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per Plivo call, assembled from its webhooks (any order, any number of times), the
 * webhooks themselves (idempotency per CallUUID + event).
 */
export class PlivoCall1763900300000 implements MigrationInterface {
  name = 'PlivoCall1763900300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plivo_call (
        call_uuid text PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        business_number text NOT NULL,
        caller_number text,
        dialed boolean NOT NULL,
        screened boolean NOT NULL,
        answered_at timestamptz NOT NULL DEFAULT now(),
        dial_status text,
        dial_b_leg_uuid text,
        dial_hangup_cause text,
        dial_action_at timestamptz,
        b_leg_answered boolean NOT NULL DEFAULT false,
        b_leg_connected boolean NOT NULL DEFAULT false,
        hangup_cause text,
        hangup_source text,
        duration_seconds integer,
        hangup_at timestamptz,
        outcome text,
        finalized_at timestamptz
      )`);
    await q.query(
      'CREATE INDEX plivo_call_pending ON plivo_call (hangup_at) WHERE finalized_at IS NULL',
    );
    await q.query(`
      CREATE TABLE plivo_webhook (
        call_uuid text NOT NULL,
        kind text NOT NULL,
        detail text NOT NULL DEFAULT '',
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (call_uuid, kind, detail)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE plivo_webhook');
    await q.query('DROP TABLE plivo_call');
  }
}
