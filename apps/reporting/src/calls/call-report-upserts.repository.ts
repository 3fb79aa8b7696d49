import type { E164 } from '@textback/contracts';
import type { TenantScope, Tx } from '@textback/persistence';

/** What the caller's number is shown as, and (until retention) the number itself. */
export interface Caller {
  number: E164;
  masked: string;
}

interface Row {
  tenantId: string;
  callId: string;
  locationId: string;
  caller: Caller;
}
type CallEnded = Row & {
  day: string | null;
  endedAt: string;
  outcome: string;
  durationSeconds: number | null;
};
type TextbackRequested = Row & {
  day: string | null;
  endedAt: string | null;
  textbackId: string;
  sendAfter: string;
};
type TextbackSuppressed = Row & { day: string | null; reason: string };
type LeadChanged = Row & {
  leadId: string;
  threadId: string;
  status: string;
  version: number;
  valueMinor: number | null;
  currency: string | null;
};
interface TextOutcome {
  textbackId: string;
  status: 'delivered' | 'failed';
  reason: string | null;
  errorCode: string | null;
  at: string;
}

/**
 * The per-call read model's writes that read nothing back: each sets only its own columns (or
 * fills gaps), so their order does not matter. A transaction (a consumer's unit of events)
 * gathers them by kind and writes each kind in one statement just before it commits — one row
 * per call, the newest of a call's changes kept (one statement may not change a row twice).
 */
export const callReportUpserts = {
  callEnded(tx: Tx, scope: TenantScope, c: Omit<CallEnded, 'tenantId'>): void {
    gather(tx, CALL_ENDED, writeCallEnded).set(c.callId, { ...c, tenantId: scope.tenantId });
  },

  textbackRequested(tx: Tx, scope: TenantScope, r: Omit<TextbackRequested, 'tenantId'>): void {
    gather(tx, REQUESTED, writeRequested).set(r.callId, { ...r, tenantId: scope.tenantId });
  },

  textbackSuppressed(tx: Tx, scope: TenantScope, s: Omit<TextbackSuppressed, 'tenantId'>): void {
    gather(tx, SUPPRESSED, writeSuppressed).set(s.callId, { ...s, tenantId: scope.tenantId });
  },

  /** The highest version of a call's lead wins (as the statement's own condition says). */
  leadChanged(tx: Tx, scope: TenantScope, l: Omit<LeadChanged, 'tenantId'>): void {
    const leads = gather(tx, LEAD, writeLeads);
    const known = leads.get(l.callId);
    if (!known || known.version <= l.version)
      leads.set(l.callId, { ...l, tenantId: scope.tenantId });
  },

  /**
   * A delivery report settles the text for good; the latest report wins. Keyed by the text-back
   * id (read only joined to the tenant's call_report rows), so the scope names whose it is.
   */
  textOutcome(tx: Tx, _scope: TenantScope, o: TextOutcome): void {
    const outcomes = gather(tx, OUTCOME, writeOutcomes);
    const known = outcomes.get(o.textbackId);
    if (!known || Date.parse(known.at) <= Date.parse(o.at)) outcomes.set(o.textbackId, o);
  },
};

const CALL_ENDED = { gathering: 'call_report: call ended' };
const REQUESTED = { gathering: 'call_report: text-back requested' };
const SUPPRESSED = { gathering: 'call_report: text-back suppressed' };
const LEAD = { gathering: 'call_report: lead' };
const OUTCOME = { gathering: 'textback_outcome' };

function gather<T>(tx: Tx, key: object, write: (tx: Tx, rows: T[]) => Promise<void>) {
  return tx.gathered(
    key,
    () => new Map<string, T>(),
    (t, rows) => write(t, [...rows.values()]),
  );
}

const columns = (rows: readonly Row[]) => [
  rows.map((r) => r.callId),
  rows.map((r) => r.tenantId),
  rows.map((r) => r.locationId),
  rows.map((r) => r.caller.number),
  rows.map((r) => r.caller.masked),
];
const UNNEST_ROW = '$1::text[], $2::text[], $3::text[], $4::text[], $5::text[]';

async function writeCallEnded(tx: Tx, rows: CallEnded[]): Promise<void> {
  // The call's own end is authoritative for its day and time; others only fill gaps.
  await tx.mutate(
    `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, ended_at, outcome, duration_seconds)
     SELECT * FROM unnest(${UNNEST_ROW}, $6::date[], $7::timestamptz[], $8::text[], $9::integer[])
     ON CONFLICT (call_id) DO UPDATE SET day = EXCLUDED.day, ended_at = EXCLUDED.ended_at, outcome = EXCLUDED.outcome,
       duration_seconds = EXCLUDED.duration_seconds, caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number),
       caller_masked = EXCLUDED.caller_masked`,
    [
      ...columns(rows),
      rows.map((r) => r.day),
      rows.map((r) => r.endedAt),
      rows.map((r) => r.outcome),
      rows.map((r) => r.durationSeconds),
    ],
  );
}

async function writeRequested(tx: Tx, rows: TextbackRequested[]): Promise<void> {
  await tx.mutate(
    `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, ended_at, textback_id, send_after)
     SELECT * FROM unnest(${UNNEST_ROW}, $6::date[], $7::timestamptz[], $8::uuid[], $9::timestamptz[])
     ON CONFLICT (call_id) DO UPDATE SET textback_id = EXCLUDED.textback_id, send_after = EXCLUDED.send_after,
       day = COALESCE(call_report.day, EXCLUDED.day), ended_at = COALESCE(call_report.ended_at, EXCLUDED.ended_at),
       caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)`,
    [
      ...columns(rows),
      rows.map((r) => r.day),
      rows.map((r) => r.endedAt),
      rows.map((r) => r.textbackId),
      rows.map((r) => r.sendAfter),
    ],
  );
}

async function writeSuppressed(tx: Tx, rows: TextbackSuppressed[]): Promise<void> {
  await tx.mutate(
    `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, suppression_reason)
     SELECT * FROM unnest(${UNNEST_ROW}, $6::date[], $7::text[])
     ON CONFLICT (call_id) DO UPDATE SET suppression_reason = EXCLUDED.suppression_reason, day = COALESCE(call_report.day, EXCLUDED.day),
       caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)`,
    [...columns(rows), rows.map((r) => r.day), rows.map((r) => r.reason)],
  );
}

async function writeLeads(tx: Tx, rows: LeadChanged[]): Promise<void> {
  await tx.mutate(
    `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, lead_id, thread_id, lead_status, lead_version, lead_value_minor, lead_currency)
     SELECT * FROM unnest(${UNNEST_ROW}, $6::uuid[], $7::uuid[], $8::text[], $9::integer[], $10::bigint[], $11::text[])
     ON CONFLICT (call_id) DO UPDATE SET lead_id = EXCLUDED.lead_id, thread_id = EXCLUDED.thread_id, lead_status = EXCLUDED.lead_status,
       lead_version = EXCLUDED.lead_version, lead_value_minor = EXCLUDED.lead_value_minor, lead_currency = EXCLUDED.lead_currency
     WHERE call_report.lead_version IS NULL OR call_report.lead_version < EXCLUDED.lead_version`,
    [
      ...columns(rows),
      rows.map((r) => r.leadId),
      rows.map((r) => r.threadId),
      rows.map((r) => r.status),
      rows.map((r) => r.version),
      rows.map((r) => r.valueMinor),
      rows.map((r) => r.currency),
    ],
  );
}

async function writeOutcomes(tx: Tx, rows: TextOutcome[]): Promise<void> {
  await tx.mutate(
    `INSERT INTO textback_outcome (textback_id, status, reason, error_code, at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
     ON CONFLICT (textback_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, error_code = EXCLUDED.error_code, at = EXCLUDED.at
     WHERE textback_outcome.at <= EXCLUDED.at`,
    [
      rows.map((r) => r.textbackId),
      rows.map((r) => r.status),
      rows.map((r) => r.reason),
      rows.map((r) => r.errorCode),
      rows.map((r) => r.at),
    ],
  );
}
