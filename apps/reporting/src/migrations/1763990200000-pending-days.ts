import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Facts of a location not known yet (a replay reads topics in parallel: a call can come before
 * its location's profile) wait here until the location's time zone gives them their local day.
 * A null value is "the location's average ticket" (a booking without a value).
 */
export class PendingDays1763990200000 implements MigrationInterface {
  name = 'PendingDays1763990200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE funnel_pending (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        at timestamptz NOT NULL,
        metric text NOT NULL,
        value bigint
      )`);
    await q.query('CREATE INDEX funnel_pending_by_location ON funnel_pending (location_id)');
    // The settle job looks for calls without a day every second: only those rows are indexed.
    await q.query(
      'CREATE INDEX call_report_without_day ON call_report (location_id) WHERE day IS NULL AND ended_at IS NOT NULL',
    );
    await q.query('ALTER TABLE lead_state ADD COLUMN first_at timestamptz');
    await q.query('ALTER TABLE lead_state ALTER COLUMN day DROP NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX call_report_without_day');
    await q.query('ALTER TABLE lead_state DROP COLUMN first_at');
    await q.query('DROP TABLE funnel_pending');
  }
}
