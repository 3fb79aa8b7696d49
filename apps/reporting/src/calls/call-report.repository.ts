import { z } from 'zod';
import type { E164 } from '@textback/contracts';
import {
  col,
  scopeParams,
  type Database,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';

export const CallReportRow = z.object({
  callId: col.text,
  locationId: col.locationId,
  day: col.text.nullable(),
  endedAt: col.timestamp.nullable(),
  outcome: col.text.nullable(),
  durationSeconds: col.int.nullable(),
  callerMasked: col.text.nullable(),
  suppressionReason: col.text.nullable(),
  textbackId: col.uuid.nullable(),
  sendAfter: col.timestamp.nullable(),
  textSentAt: col.timestamp.nullable(),
  delivery: col.text.nullable(),
  deliveryReason: col.text.nullable(),
  firstCustomerReplyAt: col.timestamp.nullable(),
  firstHumanReplyAt: col.timestamp.nullable(),
  leadStatus: col.text.nullable(),
  leadValueMinor: col.bigint.nullable(),
  threadId: col.uuid.nullable(),
});
export type CallReportRow = z.output<typeof CallReportRow>;

const seconds = col.float.nullable();
const TimingsRow = z.object({
  period: col.text,
  textCount: col.bigint,
  textP50: seconds,
  textP95: seconds,
  textP99: seconds,
  humanCount: col.bigint,
  humanP50: seconds,
  humanP95: seconds,
  humanP99: seconds,
  w5: col.bigint,
  w15: col.bigint,
  w60: col.bigint,
});
export type TimingsRow = z.output<typeof TimingsRow>;

const RepliedRow = z.object({
  locationId: col.locationId,
  period: col.text,
  replied: col.bigint,
  qualified: col.bigint,
  booked: col.bigint,
});
export type RepliedRow = z.output<typeof RepliedRow>;

export interface CallRange {
  from: string;
  to: string;
  locationId?: string | undefined;
}

/** The status column in SQL, the same rule as `statusOf` (filtering happens in the query). */
export const STATUS_SQL = `(CASE WHEN c.text_sent_at IS NOT NULL THEN 'texted'
  WHEN c.suppression_reason IS NOT NULL THEN 'suppressed'
  WHEN o.status = 'failed' THEN 'send-failed'
  WHEN c.textback_id IS NOT NULL THEN 'scheduled'
  ELSE 'pending' END)`;

/** `c` is call_report; parameters $1 (tenant), $2 (visible locations), $3/$4 (days), $5 (one location). */
const RANGE = `c.tenant_id = $1 AND ($2::text[] IS NULL OR c.location_id = ANY($2::text[]))
  AND c.day BETWEEN $3 AND $4 AND ($5::text IS NULL OR c.location_id = $5)`;
const rangeParams = (scope: TenantScope, r: CallRange): unknown[] => [
  ...scopeParams(scope),
  r.from,
  r.to,
  r.locationId ?? null,
];

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
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, textback_id, text_sent_at, segments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (call_id) DO UPDATE SET text_sent_at = LEAST(call_report.text_sent_at, EXCLUDED.text_sent_at), segments = EXCLUDED.segments,
         textback_id = COALESCE(call_report.textback_id, EXCLUDED.textback_id),
         caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)`,
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

  async reply(
    tx: Tx,
    _scope: TenantScope,
    r: {
      eventId: string;
      locationId: string;
      number: E164;
      kind: 'customer' | 'human';
      at: string;
    },
  ): Promise<void> {
    await tx.mutate(
      'INSERT INTO reply_event (event_id, location_id, number, kind, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [r.eventId, r.locationId, r.number, r.kind, r.at],
    );
  },

  /**
   * Recomputes, for every texted call from this number at this location, the customer's first
   * reply after that text (and before the next one) and the first human message after it. From
   * the stored facts, not the arrival order: a replay in any order gives the same answer.
   */
  async settleReplies(tx: Tx, scope: TenantScope, locationId: string, number: E164): Promise<void> {
    await tx.mutate(
      `WITH texted AS (
         SELECT call_id, text_sent_at, lead(text_sent_at) OVER (ORDER BY text_sent_at) AS next_text_at
         FROM call_report WHERE tenant_id = $3 AND location_id = $1 AND caller_number = $2 AND text_sent_at IS NOT NULL
       ), customer AS (
         SELECT t.call_id, t.next_text_at,
                (SELECT min(r.at) FROM reply_event r WHERE r.location_id = $1 AND r.number = $2 AND r.kind = 'customer'
                   AND r.at >= t.text_sent_at AND r.at < COALESCE(t.next_text_at, 'infinity')) AS first_customer
         FROM texted t
       ), human AS (
         SELECT c.call_id, c.first_customer,
                (SELECT min(r.at) FROM reply_event r WHERE r.location_id = $1 AND r.number = $2 AND r.kind = 'human'
                   AND r.at >= c.first_customer AND r.at < COALESCE(c.next_text_at, 'infinity')) AS first_human
         FROM customer c
       )
       UPDATE call_report cr SET first_customer_reply_at = h.first_customer, first_human_reply_at = h.first_human
       FROM human h WHERE cr.call_id = h.call_id
         AND (cr.first_customer_reply_at IS DISTINCT FROM h.first_customer OR cr.first_human_reply_at IS DISTINCT FROM h.first_human)`,
      [locationId, number, scope.tenantId],
    );
  },

  /** Time to text and to first human reply, per period (`date_trunc` unit) or over the range. */
  timings(
    db: Database,
    scope: TenantScope,
    range: CallRange,
    period: 'day' | 'week' | 'month' | 'range',
  ): Promise<TimingsRow[]> {
    return db.select(
      TimingsRow,
      `SELECT CASE WHEN $6::text = 'range' THEN 'range' ELSE date_trunc($6::text, c.day)::date::text END AS period,
              count(text_sent_at) AS text_count,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM text_sent_at - ended_at)) AS text_p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM text_sent_at - ended_at)) AS text_p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM text_sent_at - ended_at)) AS text_p99,
              count(first_human_reply_at) AS human_count,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_human_reply_at - first_customer_reply_at)) AS human_p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM first_human_reply_at - first_customer_reply_at)) AS human_p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM first_human_reply_at - first_customer_reply_at)) AS human_p99,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '5 minutes') AS w5,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '15 minutes') AS w15,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '60 minutes') AS w60
       FROM call_report c
       WHERE ${RANGE} AND c.ended_at IS NOT NULL
       GROUP BY 1`,
      [...rangeParams(scope, range), period],
    );
  },

  /** Texted calls that got a reply, and of those qualified and booked, per location and period. */
  replied(
    db: Database,
    scope: TenantScope,
    range: CallRange,
    period: 'day' | 'week' | 'month',
  ): Promise<RepliedRow[]> {
    return db.select(
      RepliedRow,
      `SELECT c.location_id, date_trunc($6::text, c.day)::date::text AS period, count(*) AS replied,
              count(*) FILTER (WHERE lead_status IN ('qualified', 'booked')) AS qualified,
              count(*) FILTER (WHERE lead_status = 'booked') AS booked
       FROM call_report c
       WHERE ${RANGE} AND c.first_customer_reply_at IS NOT NULL
       GROUP BY 1, 2`,
      [...rangeParams(scope, range), period],
    );
  },

  /** A page of calls, newest first, after a (ended_at, call_id) position. */
  page(
    db: Database,
    scope: TenantScope,
    range: CallRange & { textback?: string | undefined },
    limit: number,
    after: { endedAt: string; callId: string } | undefined,
  ): Promise<CallReportRow[]> {
    return db.select(
      CallReportRow,
      `SELECT c.*, c.day::text AS day, o.status AS delivery, o.reason AS delivery_reason
       FROM call_report c LEFT JOIN textback_outcome o ON o.textback_id = c.textback_id
       WHERE ${RANGE} AND c.ended_at IS NOT NULL
         AND ($6::timestamptz IS NULL OR (c.ended_at, c.call_id) < ($6::timestamptz, $7::text))
         AND ($8::text IS NULL OR ${STATUS_SQL} = $8)
       ORDER BY c.ended_at DESC, c.call_id DESC
       LIMIT $9`,
      [
        ...rangeParams(scope, range),
        after?.endedAt ?? null,
        after?.callId ?? null,
        range.textback ?? null,
        limit,
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
