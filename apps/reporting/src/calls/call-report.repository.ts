import { z } from 'zod';
import type { E164 } from '@textback/contracts';
import {
  col,
  type Database,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';

/** What the caller's number is shown as, and (until retention) the number itself. */
interface Caller {
  number: E164;
  masked: string;
}

/** The per-call read model, filled in by each event in any order. */
export const callReportRepository = {
  async callEnded(
    tx: Tx,
    scope: TenantScope,
    c: {
      callId: string;
      locationId: string;
      caller: Caller;
      day: string | null;
      endedAt: string;
      outcome: string;
      durationSeconds: number | null;
    },
  ): Promise<void> {
    // The call's own end is authoritative for its day and time; others only fill gaps.
    await tx.mutate(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, ended_at, outcome, duration_seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (call_id) DO UPDATE SET day = EXCLUDED.day, ended_at = EXCLUDED.ended_at, outcome = EXCLUDED.outcome,
         duration_seconds = EXCLUDED.duration_seconds, caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number),
         caller_masked = EXCLUDED.caller_masked`,
      [
        c.callId,
        scope.tenantId,
        c.locationId,
        c.caller.number,
        c.caller.masked,
        c.day,
        c.endedAt,
        c.outcome,
        c.durationSeconds,
      ],
    );
  },

  async textbackRequested(
    tx: Tx,
    scope: TenantScope,
    r: {
      callId: string;
      locationId: string;
      caller: Caller;
      day: string | null;
      endedAt: string | null;
      textbackId: string;
      sendAfter: string;
    },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, ended_at, textback_id, send_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (call_id) DO UPDATE SET textback_id = EXCLUDED.textback_id, send_after = EXCLUDED.send_after,
         day = COALESCE(call_report.day, EXCLUDED.day), ended_at = COALESCE(call_report.ended_at, EXCLUDED.ended_at),
         caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)`,
      [
        r.callId,
        scope.tenantId,
        r.locationId,
        r.caller.number,
        r.caller.masked,
        r.day,
        r.endedAt,
        r.textbackId,
        r.sendAfter,
      ],
    );
  },

  async textbackSuppressed(
    tx: Tx,
    scope: TenantScope,
    s: { callId: string; locationId: string; caller: Caller; day: string | null; reason: string },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, suppression_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (call_id) DO UPDATE SET suppression_reason = EXCLUDED.suppression_reason, day = COALESCE(call_report.day, EXCLUDED.day),
         caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)`,
      [s.callId, scope.tenantId, s.locationId, s.caller.number, s.caller.masked, s.day, s.reason],
    );
  },

  async textSent(
    tx: Tx,
    scope: TenantScope,
    s: {
      callId: string;
      locationId: string;
      caller: Caller;
      textbackId: string | null;
      at: string;
      segments: number;
    },
  ): Promise<boolean> {
    // Returns whether the number has any reply at this location (read after the caller's lock).
    const row = await tx.selectOne(
      z.object({ answered: z.boolean() }),
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, textback_id, text_sent_at, segments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (call_id) DO UPDATE SET text_sent_at = LEAST(call_report.text_sent_at, EXCLUDED.text_sent_at), segments = EXCLUDED.segments,
         textback_id = COALESCE(call_report.textback_id, EXCLUDED.textback_id),
         caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)
       RETURNING EXISTS (SELECT 1 FROM reply_event r WHERE r.location_id = $3 AND r.number = $4) AS answered`,
      [
        s.callId,
        scope.tenantId,
        s.locationId,
        s.caller.number,
        s.caller.masked,
        s.textbackId,
        s.at,
        s.segments,
      ],
    );
    return row.answered;
  },

  /**
   * A delivery report settles the text for good; the latest report wins. Keyed by the text-back
   * id (read only joined to the tenant's call_report rows), so the scope names whose it is.
   */
  async textOutcome(
    tx: Tx,
    _scope: TenantScope,
    o: {
      textbackId: string;
      status: 'delivered' | 'failed';
      reason: string | null;
      errorCode: string | null;
      at: string;
    },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO textback_outcome (textback_id, status, reason, error_code, at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (textback_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, error_code = EXCLUDED.error_code, at = EXCLUDED.at
       WHERE textback_outcome.at <= EXCLUDED.at`,
      [o.textbackId, o.status, o.reason, o.errorCode, o.at],
    );
  },

  async leadChanged(
    tx: Tx,
    scope: TenantScope,
    l: {
      callId: string;
      locationId: string;
      caller: Caller;
      leadId: string;
      threadId: string;
      status: string;
      version: number;
      valueMinor: number | null;
      currency: string | null;
    },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, lead_id, thread_id, lead_status, lead_version, lead_value_minor, lead_currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (call_id) DO UPDATE SET lead_id = EXCLUDED.lead_id, thread_id = EXCLUDED.thread_id, lead_status = EXCLUDED.lead_status,
         lead_version = EXCLUDED.lead_version, lead_value_minor = EXCLUDED.lead_value_minor, lead_currency = EXCLUDED.lead_currency
       WHERE call_report.lead_version IS NULL OR call_report.lead_version < EXCLUDED.lead_version`,
      [
        l.callId,
        scope.tenantId,
        l.locationId,
        l.caller.number,
        l.caller.masked,
        l.leadId,
        l.threadId,
        l.status,
        l.version,
        l.valueMinor,
        l.currency,
      ],
    );
  },

  /** Every tenant's caller numbers and reply records older than the cutoff: nulled and deleted. */
  async redactBefore(db: Database, _scope: SystemScope, cutoff: Date): Promise<number> {
    const calls = await db.mutate(
      `UPDATE call_report SET caller_number = NULL WHERE caller_number IS NOT NULL AND ended_at < $1`,
      [cutoff],
    );
    const replies = await db.mutate('DELETE FROM reply_event WHERE at < $1', [cutoff]);
    return calls + replies;
  },

  /** Locations, of every tenant, with calls still waiting for their local day. */
  async locationsWithoutDay(db: Database, _scope: SystemScope): Promise<string[]> {
    const rows = await db.select(
      z.object({ locationId: col.locationId }),
      'SELECT DISTINCT location_id FROM call_report WHERE day IS NULL AND ended_at IS NOT NULL',
    );
    return rows.map((r) => r.locationId);
  },

  setDays(db: Database, _scope: SystemScope, locationId: string, zone: string): Promise<number> {
    return db.mutate(
      'UPDATE call_report SET day = (ended_at AT TIME ZONE $2)::date WHERE location_id = $1 AND day IS NULL AND ended_at IS NOT NULL',
      [locationId, zone],
    );
  },
};
