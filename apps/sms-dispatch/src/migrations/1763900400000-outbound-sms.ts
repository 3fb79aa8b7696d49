import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per text-back send, unique per location + call and written before the carrier is
 * called, so a crash or a redelivered event can never send a second text for the same call.
 */
export class OutboundSms1763900400000 implements MigrationInterface {
  name = 'OutboundSms1763900400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbound_sms (
        sms_id uuid PRIMARY KEY,
        textback_id uuid,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        call_id text NOT NULL,
        from_number text NOT NULL,
        to_number text NOT NULL,
        body text,
        segments integer NOT NULL,
        encoding text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'sending', 'unknown', 'accepted', 'delivered', 'failed', 'suppressed')),
        attempts integer NOT NULL DEFAULT 0,
        due_at timestamptz NOT NULL,
        sending_started_at timestamptz,
        carrier_message_id text UNIQUE,
        last_status text,
        last_sequence bigint NOT NULL DEFAULT 0,
        error_code text,
        error_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (location_id, call_id)
      )`);
    await q.query(
      `CREATE INDEX outbound_sms_due ON outbound_sms (due_at) WHERE state IN ('pending', 'unknown')`,
    );
    await q.query(`
      CREATE TABLE delivery_report (
        message_uuid text NOT NULL,
        sequence bigint NOT NULL,
        status text NOT NULL,
        error_code text,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_uuid, sequence)
      )`);
    // rate-limiter-flexible's table (created here, not lazily, so replicas never race to create it).
    await q.query(`
      CREATE TABLE rate_limit (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['rate_limit', 'delivery_report', 'outbound_sms'])
      await q.query(`DROP TABLE ${t}`);
  }
}
