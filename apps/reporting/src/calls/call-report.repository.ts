import { z } from 'zod';
import {
  col,
  type Database,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import type { Caller } from './call-report-upserts.repository';

/**
 * The per-call read model, filled in by each event in any order: the writes that read back
 * (a text sent) and the upkeep; the others are gathered per transaction (call-report-upserts).
 */
export const callReportRepository = {
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

  /**
   * Their local day, for a location's calls that waited for its zone. Rows a consumer's batch
   * holds are skipped (the next pass takes them): waiting for them deadlocked with the batch's
   * call-report upserts, which lock rows over several statements.
   */
  setDays(db: Database, _scope: SystemScope, locationId: string, zone: string): Promise<number> {
    return db.mutate(
      `UPDATE call_report SET day = (ended_at AT TIME ZONE $2)::date
       WHERE call_id IN (SELECT call_id FROM call_report
                         WHERE location_id = $1 AND day IS NULL AND ended_at IS NOT NULL
                         FOR UPDATE SKIP LOCKED)`,
      [locationId, zone],
    );
  },
};
