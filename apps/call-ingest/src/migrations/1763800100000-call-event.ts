import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per (provider, call, event): makes webhook retries and repeats idempotent. */
export class CallEvent1763800100000 implements MigrationInterface {
  name = 'CallEvent1763800100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE call_event (
        provider text NOT NULL,
        call_id text NOT NULL,
        event text NOT NULL,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        outcome text,
        ended_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, call_id, event)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE call_event');
  }
}
