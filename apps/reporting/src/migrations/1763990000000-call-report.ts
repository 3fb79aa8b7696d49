import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-call read model behind the calls list and the timing percentiles: one row per call,
 * filled in by whichever of its events arrives (in any order, so a replay rebuilds it), the
 * outcome of each text-back by its id, and customer / human messages per location and number
 * (to time replies). Caller numbers are nulled and messages deleted after the retention period;
 * the timings already derived stay.
 */
export class CallReport1763990000000 implements MigrationInterface {
  name = 'CallReport1763990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE call_report (
        call_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        caller_number text,
        caller_masked text,
        day date,
        ended_at timestamptz,
        outcome text,
        duration_seconds integer,
        suppression_reason text,
        textback_id uuid,
        send_after timestamptz,
        text_sent_at timestamptz,
        segments integer,
        lead_id uuid,
        thread_id uuid,
        lead_status text,
        lead_version integer,
        lead_value_minor bigint,
        lead_currency text,
        first_customer_reply_at timestamptz,
        first_human_reply_at timestamptz
      )`);
    await q.query(
      'CREATE INDEX call_report_list ON call_report (tenant_id, day, ended_at DESC, call_id DESC)',
    );
    await q.query(
      'CREATE INDEX call_report_caller ON call_report (location_id, caller_number) WHERE caller_number IS NOT NULL',
    );
    await q.query(
      'CREATE INDEX call_report_textback ON call_report (textback_id) WHERE textback_id IS NOT NULL',
    );
    await q.query(`
      CREATE TABLE textback_outcome (
        textback_id uuid PRIMARY KEY,
        status text NOT NULL,
        reason text,
        error_code text,
        at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE reply_event (
        event_id uuid PRIMARY KEY,
        location_id text NOT NULL,
        number text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('customer', 'human')),
        at timestamptz NOT NULL
      )`);
    await q.query(
      'CREATE INDEX reply_event_by_number ON reply_event (location_id, number, kind, at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reply_event');
    await q.query('DROP TABLE textback_outcome');
    await q.query('DROP TABLE call_report');
  }
}
