import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The funnel read model: counters per tenant, location and local day (the location's zone), and
 * each lead's last known state (to count a lead once per stage it reaches). Rebuildable by
 * replaying the topics from the start into empty tables.
 */
export class Funnel1763901200000 implements MigrationInterface {
  name = 'Funnel1763901200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE funnel_day (
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        day date NOT NULL,
        metric text NOT NULL,
        value bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, location_id, day, metric)
      )`);
    await q.query(`
      CREATE TABLE lead_state (
        lead_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        day date NOT NULL,
        version integer NOT NULL,
        reached text[] NOT NULL DEFAULT '{}'
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE lead_state');
    await q.query('DROP TABLE funnel_day');
  }
}
