import { z } from 'zod';
import { col, scopeParams, type Database, type TenantScope } from '@textback/persistence';

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
  sameDay: col.bigint,
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

/** The per-call read model as analysts read it. */
export const callReportQueries = {
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
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '60 minutes') AS w60,
              count(*) FILTER (WHERE (first_human_reply_at AT TIME ZONE coalesce(d.profile->>'timezone', 'UTC'))::date
                                   = (first_customer_reply_at AT TIME ZONE coalesce(d.profile->>'timezone', 'UTC'))::date) AS same_day
       FROM call_report c LEFT JOIN location_directory d ON d.location_id = c.location_id
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
};
