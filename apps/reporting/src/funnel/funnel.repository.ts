import { z } from 'zod';
import {
  col,
  scopeParams,
  type Database,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';

const LeadState = z.object({
  version: col.int,
  reached: z.array(z.string()),
  firstAt: col.timestamp.nullable(),
});
/** A lead's funnel state as stored: the stages it has reached and the day it began. */
interface LeadStateRow {
  leadId: string;
  locationId: string;
  day: string | null;
  firstAt: string;
  version: number;
  reached: string[];
}
const Pending = z.object({
  tenantId: col.tenantId,
  at: col.timestamp,
  metric: col.text,
  value: col.bigint.nullable(),
});
const DayCount = z.object({
  locationId: col.locationId,
  day: col.text,
  metric: col.text,
  value: col.bigint,
});
export type DayCount = z.output<typeof DayCount>;

/** The funnel counters per tenant, location and local day, and what waits for a location's zone. */
export const funnelRepository = {
  leadState(tx: Tx, scope: TenantScope, leadId: string) {
    return tx.selectFirst(
      LeadState,
      'SELECT version, reached, first_at FROM lead_state WHERE lead_id = $1 AND tenant_id = $2 FOR UPDATE',
      [leadId, scope.tenantId],
    );
  },

  /** A lead's first state, unless one is stored already: whether it was inserted. */
  async insertLeadState(tx: Tx, scope: TenantScope, s: LeadStateRow): Promise<boolean> {
    const inserted = await tx.mutate(
      `INSERT INTO lead_state (lead_id, tenant_id, location_id, day, first_at, version, reached) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (lead_id) DO NOTHING`,
      [s.leadId, scope.tenantId, s.locationId, s.day, s.firstAt, s.version, s.reached],
    );
    return inserted === 1;
  },

  async saveLeadState(tx: Tx, scope: TenantScope, s: LeadStateRow): Promise<void> {
    await tx.mutate(
      `INSERT INTO lead_state (lead_id, tenant_id, location_id, day, first_at, version, reached) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (lead_id) DO UPDATE SET version = EXCLUDED.version, reached = EXCLUDED.reached`,
      [s.leadId, scope.tenantId, s.locationId, s.day, s.firstAt, s.version, s.reached],
    );
  },

  /** Keeps an increment until its location's zone is known (null value: the average ticket). */
  async park(
    tx: Tx,
    scope: TenantScope,
    p: { locationId: string; at: string; metric: string; value: number | null },
  ): Promise<void> {
    await tx.mutate(
      'INSERT INTO funnel_pending (tenant_id, location_id, at, metric, value) VALUES ($1, $2, $3, $4, $5)',
      [scope.tenantId, p.locationId, p.at, p.metric, p.value],
    );
  },

  /** The locations, of every tenant, with parked increments. */
  async parkedLocations(db: Database, _scope: SystemScope): Promise<string[]> {
    const rows = await db.select(
      z.object({ locationId: col.locationId }),
      'SELECT DISTINCT location_id FROM funnel_pending',
    );
    return rows.map((r) => r.locationId);
  },

  takeParked(tx: Tx, _scope: SystemScope, locationId: string) {
    return tx.select(
      Pending,
      'DELETE FROM funnel_pending WHERE location_id = $1 RETURNING tenant_id, at, metric, value',
      [locationId],
    );
  },

  /**
   * Adds to the day's counters in one statement; `rows` name each (location, day, metric) once,
   * in the order they should be locked.
   */
  async add(
    tx: Tx,
    scope: TenantScope,
    rows: readonly { locationId: string; day: string; metric: string; value: number }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await tx.mutate(
      `INSERT INTO funnel_day (tenant_id, location_id, day, metric, value)
       SELECT $1, l, d, m, v FROM unnest($2::text[], $3::date[], $4::text[], $5::bigint[])
         WITH ORDINALITY AS t(l, d, m, v, n) ORDER BY n
       ON CONFLICT (tenant_id, location_id, day, metric) DO UPDATE SET value = funnel_day.value + EXCLUDED.value`,
      [
        scope.tenantId,
        rows.map((r) => r.locationId),
        rows.map((r) => r.day),
        rows.map((r) => r.metric),
        rows.map((r) => r.value),
      ],
    );
  },

  counts(
    db: Database,
    scope: TenantScope,
    range: { from: string; to: string; locationId: string | undefined },
  ): Promise<DayCount[]> {
    return db.select(
      DayCount,
      `SELECT location_id, day::text AS day, metric, value FROM funnel_day
       WHERE tenant_id = $1 AND ($2::text[] IS NULL OR location_id = ANY($2::text[]))
         AND day BETWEEN $3 AND $4 AND ($5::text IS NULL OR location_id = $5)`,
      [...scopeParams(scope), range.from, range.to, range.locationId ?? null],
    );
  },

  /** Facts (funnel increments and calls without a local day) still waiting for a location. */
  async waitingFacts(db: Database, _scope: SystemScope): Promise<number> {
    const row = await db.selectOne(
      z.object({ n: col.bigint }),
      'SELECT (SELECT count(*) FROM funnel_pending) + (SELECT count(*) FROM call_report WHERE day IS NULL AND ended_at IS NOT NULL) AS n',
    );
    return row.n;
  },

  /** Serialises the events of one caller at one location (a reply and the text it answers). */
  async lockCaller(tx: Tx, scope: TenantScope, key: string): Promise<void> {
    await tx.selectOne(
      z.object({ locked: z.unknown() }),
      'SELECT pg_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
      [`${scope.tenantId}:${key}`],
    );
  },
};
