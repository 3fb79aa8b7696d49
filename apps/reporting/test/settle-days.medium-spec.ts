import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { Database, openDataSource, poolOf, systemScope } from '@textback/persistence';
import { schemaSession, uniqueTestPrefix } from '@textback/testing';
import { reportingMigrations } from '../src/app.module';
import { callReportRepository as calls } from '../src/calls/call-report.repository';

/**
 * Calls that ended before their location's zone was known get their local day later, from a
 * periodic pass. That pass must not wait for rows a consumer's batch holds: the batch locks its
 * calls over several statements, and the two deadlocked (seen in CI).
 */
describe('calls waiting for their local day (middle tier: PostgreSQL)', () => {
  const schema = uniqueTestPrefix('settledays');
  const scope = systemScope('test: settle days', { info: () => undefined });
  let ds: DataSource;
  let db: Database;
  let batch: Client;

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema,
      migrations: reportingMigrations,
    });
    db = new Database(poolOf(ds));
    batch = await schemaSession(schema);
  });

  afterAll(async () => {
    await batch?.end();
    await ds?.destroy();
  });

  const dayOf = async (callId: string) =>
    (
      await batch.query<{ day: string | null }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM call_report WHERE call_id = $1`,
        [callId],
      )
    ).rows[0]?.day;

  it("skips the calls a batch holds and settles them on the next pass, in the location's zone", async () => {
    await db.mutate(
      `INSERT INTO call_report (call_id, tenant_id, location_id, ended_at)
       VALUES ('held', 't', 'atl', '2026-12-07T03:30:00Z'), ('free', 't', 'atl', '2026-12-07T03:30:00Z')`,
    );
    await batch.query('BEGIN');
    await batch.query(`UPDATE call_report SET lead_status = 'new' WHERE call_id = 'held'`);
    // Not waiting for the batch: the free call is settled, the held one left.
    expect(await calls.setDays(db, scope, 'atl', 'America/New_York')).toBe(1);
    await batch.query('COMMIT');
    expect(await dayOf('free')).toBe('2026-12-06'); // 22:30 the evening before, in Atlanta
    expect(await dayOf('held')).toBeNull();
    expect(await calls.setDays(db, scope, 'atl', 'America/New_York')).toBe(1);
    expect(await dayOf('held')).toBe('2026-12-06');
  });
});
