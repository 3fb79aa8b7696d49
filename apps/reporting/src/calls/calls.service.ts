import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import { maskPhone, type EventEnvelope } from '@textback/contracts';
import { RUNTIME, type ServiceRuntime, every, type PeriodicTask } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ReportingConfig } from '../config';

/** Why a call was or was not texted, in one word an analyst can filter on. */
export type TextbackStatus = 'texted' | 'suppressed' | 'scheduled' | 'send-failed' | 'pending';

export interface CallRow {
  callId: string;
  locationId: string;
  day: string | null;
  endedAt: string | null;
  outcome: string | null;
  durationSeconds: number | null;
  caller: string | null;
  textback: TextbackStatus;
  /** The suppression reason or the carrier's refusal; null when texted. */
  whyNot: string | null;
  textSentAt: string | null;
  secondsToText: number | null;
  delivery: string | null;
  replied: boolean;
  secondsToHumanReply: number | null;
  leadStatus: string | null;
  leadValueMinor: number | null;
  threadId: string | null;
  threadUrl: string | null;
}

export interface CallFilter {
  tenantId: string;
  from: string;
  to: string;
  locationId?: string | undefined;
  textback?: TextbackStatus | undefined;
}

/** Position after the last row of a page: (ended_at, call_id), newest first. */
export interface CallCursor {
  endedAt: string;
  callId: string;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface Timings {
  /** Seconds from the call's end to the text-back leaving for the carrier. */
  timeToText: Percentiles;
  /** Seconds from the customer's first reply to the first message a person sent. */
  timeToFirstHumanReply: Percentiles & { within5m: number; within15m: number; within60m: number };
}

interface CallReportRow {
  call_id: string;
  location_id: string;
  day: string | null;
  ended_at: Date | null;
  outcome: string | null;
  duration_seconds: number | null;
  caller_masked: string | null;
  suppression_reason: string | null;
  textback_id: string | null;
  send_after: Date | null;
  text_sent_at: Date | null;
  delivery: string | null;
  delivery_reason: string | null;
  first_customer_reply_at: Date | null;
  first_human_reply_at: Date | null;
  lead_status: string | null;
  lead_value_minor: string | null;
  thread_id: string | null;
}

type Tx = Pick<EntityManager, 'query'>;

/**
 * The per-call read model: what happened to each call (texted? why not?), its timings and its
 * lead, filled in by each event in any order, so replaying the topics from the start rebuilds it.
 */
@Injectable()
export class CallsService implements OnModuleInit, OnModuleDestroy {
  private retention?: PeriodicTask;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  onModuleInit(): void {
    this.retention = every(
      this.runtime,
      'pii-retention',
      this.runtime.config.REDACTION_INTERVAL_MS,
      () => this.redactExpired(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.retention?.stop();
  }

  async onCallEnded(tx: Tx, e: EventEnvelope<'call.ended.v1'>): Promise<void> {
    const c = e.payload;
    // The call's own end is authoritative for its day and time; others only fill gaps.
    await tx.query(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, ended_at, outcome, duration_seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (call_id) DO UPDATE SET day = EXCLUDED.day, ended_at = EXCLUDED.ended_at, outcome = EXCLUDED.outcome,
         duration_seconds = EXCLUDED.duration_seconds, caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number),
         caller_masked = EXCLUDED.caller_masked`,
      [
        c.callId,
        c.tenantId,
        c.locationId,
        c.callerNumber,
        maskPhone(c.callerNumber),
        this.localDay(c.locationId, c.endedAt),
        c.endedAt,
        c.outcome,
        c.durationSeconds ?? null,
      ],
    );
    await this.settleReplies(tx, c.locationId, c.callerNumber);
  }

  async onTextbackRequested(tx: Tx, e: EventEnvelope<'textback.requested.v1'>): Promise<void> {
    const r = e.payload;
    await tx.query(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, ended_at, textback_id, send_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (call_id) DO UPDATE SET textback_id = EXCLUDED.textback_id, send_after = EXCLUDED.send_after,
         day = COALESCE(call_report.day, EXCLUDED.day), ended_at = COALESCE(call_report.ended_at, EXCLUDED.ended_at),
         caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)`,
      [
        r.callId,
        r.tenantId,
        r.locationId,
        r.to,
        maskPhone(r.to),
        this.localDay(r.locationId, r.callEndedAt),
        r.callEndedAt,
        r.textbackId,
        r.sendAfter,
      ],
    );
  }

  async onTextbackSuppressed(tx: Tx, e: EventEnvelope<'textback.suppressed.v1'>): Promise<void> {
    const s = e.payload;
    await tx.query(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, day, suppression_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (call_id) DO UPDATE SET suppression_reason = EXCLUDED.suppression_reason, day = COALESCE(call_report.day, EXCLUDED.day),
         caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)`,
      [
        s.callId,
        s.tenantId,
        s.locationId,
        s.callerNumber,
        maskPhone(s.callerNumber),
        this.localDay(s.locationId, s.decidedAt),
        s.reason,
      ],
    );
  }

  async onSmsSent(tx: Tx, e: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    const s = e.payload;
    if (s.purpose === 'operator') {
      await this.recordReply(tx, e.metadata.id, s.locationId, s.to, 'human', s.at);
      return;
    }
    if ((s.purpose ?? 'textback') !== 'textback' || !s.sourceId) return;
    await tx.query(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, textback_id, text_sent_at, segments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (call_id) DO UPDATE SET text_sent_at = LEAST(call_report.text_sent_at, EXCLUDED.text_sent_at), segments = EXCLUDED.segments,
         textback_id = COALESCE(call_report.textback_id, EXCLUDED.textback_id),
         caller_number = COALESCE(call_report.caller_number, EXCLUDED.caller_number), caller_masked = COALESCE(call_report.caller_masked, EXCLUDED.caller_masked)`,
      [
        s.sourceId,
        s.tenantId,
        s.locationId,
        s.to,
        maskPhone(s.to),
        s.textbackId ?? null,
        s.at,
        s.segments,
      ],
    );
    await this.settleReplies(tx, s.locationId, s.to);
  }

  async onSmsOutcome(
    tx: Tx,
    e: EventEnvelope<'sms.delivered.v1'> | EventEnvelope<'sms.failed.v1'>,
  ): Promise<void> {
    const s = e.payload;
    if (!s.textbackId) return;
    const failed =
      e.topic === 'sms.failed.v1'
        ? (e.payload as EventEnvelope<'sms.failed.v1'>['payload'])
        : undefined;
    // A delivery report settles the text for good; the latest report wins.
    await tx.query(
      `INSERT INTO textback_outcome (textback_id, status, reason, error_code, at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (textback_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, error_code = EXCLUDED.error_code, at = EXCLUDED.at
       WHERE textback_outcome.at <= EXCLUDED.at`,
      [
        s.textbackId,
        failed ? 'failed' : 'delivered',
        failed?.reason ?? null,
        failed?.errorCode ?? null,
        s.at,
      ],
    );
  }

  async onSmsReceived(tx: Tx, e: EventEnvelope<'sms.received.v1'>): Promise<void> {
    const m = e.payload;
    await this.recordReply(tx, e.metadata.id, m.locationId, m.from, 'customer', m.receivedAt);
  }

  async onLeadChanged(tx: Tx, e: EventEnvelope<'lead.changed.v1'>): Promise<void> {
    const l = e.payload;
    if (!l.callId) return;
    await tx.query(
      `INSERT INTO call_report (call_id, tenant_id, location_id, caller_number, caller_masked, lead_id, thread_id, lead_status, lead_version, lead_value_minor, lead_currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (call_id) DO UPDATE SET lead_id = EXCLUDED.lead_id, thread_id = EXCLUDED.thread_id, lead_status = EXCLUDED.lead_status,
         lead_version = EXCLUDED.lead_version, lead_value_minor = EXCLUDED.lead_value_minor, lead_currency = EXCLUDED.lead_currency
       WHERE call_report.lead_version IS NULL OR call_report.lead_version < EXCLUDED.lead_version`,
      [
        l.callId,
        l.tenantId,
        l.locationId,
        l.customerNumber,
        maskPhone(l.customerNumber),
        l.leadId,
        l.threadId,
        l.status,
        l.version,
        l.value?.amountMinor ?? null,
        l.value?.currency ?? null,
      ],
    );
  }

  /** Time to text and time to first human reply over the calls of a range (local days). */
  async timings(filter: Omit<CallFilter, 'textback'>): Promise<Timings> {
    return (await this.timingsBy(filter, 'range')).get('range') ?? emptyTimings();
  }

  /** The same, per day, ISO week (from its Monday) or month (from its first day). */
  async timingsBy(
    filter: Omit<CallFilter, 'textback'>,
    period: 'day' | 'week' | 'month' | 'range',
  ): Promise<Map<string, Timings>> {
    const bucket = period === 'range' ? `'range'` : `date_trunc('${period}', day)::date::text`;
    const rows: Record<string, number | string | null>[] = await this.runtime.dataSource.query(
      `SELECT ${bucket} AS period,
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
       FROM call_report
       WHERE tenant_id = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR location_id = $4) AND ended_at IS NOT NULL
       GROUP BY 1`,
      [filter.tenantId, filter.from, filter.to, filter.locationId ?? null],
    );
    const num = (v: number | string | null | undefined): number | null =>
      v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000;
    return new Map(
      rows.map((r) => [
        String(r['period']),
        {
          timeToText: {
            count: Number(r['text_count']),
            p50: num(r['text_p50']),
            p95: num(r['text_p95']),
            p99: num(r['text_p99']),
          },
          timeToFirstHumanReply: {
            count: Number(r['human_count']),
            p50: num(r['human_p50']),
            p95: num(r['human_p95']),
            p99: num(r['human_p99']),
            within5m: Number(r['w5']),
            within15m: Number(r['w15']),
            within60m: Number(r['w60']),
          },
        },
      ]),
    );
  }

  /**
   * The text-backs' own funnel, per location and period (first day of it), counted over one
   * population — texted calls — so each stage is part of the one before: replied (a reply matched
   * to the text it answers), then of those qualified (or booked), then booked. Leads from people
   * who texted without calling are outside it (the lead counters have them).
   */
  async repliedBy(
    filter: Omit<CallFilter, 'textback'>,
    period: 'day' | 'week' | 'month',
  ): Promise<
    { location_id: string; period: string; replied: number; qualified: number; booked: number }[]
  > {
    const rows: {
      location_id: string;
      period: string;
      replied: string;
      qualified: string;
      booked: string;
    }[] = await this.runtime.dataSource.query(
      `SELECT location_id, date_trunc('${period}', day)::date::text AS period, count(*) AS replied,
              count(*) FILTER (WHERE lead_status IN ('qualified', 'booked')) AS qualified,
              count(*) FILTER (WHERE lead_status = 'booked') AS booked
       FROM call_report
       WHERE tenant_id = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR location_id = $4) AND first_customer_reply_at IS NOT NULL
       GROUP BY 1, 2`,
      [filter.tenantId, filter.from, filter.to, filter.locationId ?? null],
    );
    return rows.map((r) => ({
      location_id: r.location_id,
      period: r.period,
      replied: Number(r.replied),
      qualified: Number(r.qualified),
      booked: Number(r.booked),
    }));
  }

  /** One page of a tenant's calls, newest first, and where the next page starts. */
  async list(
    filter: CallFilter,
    limit: number,
    after?: CallCursor,
  ): Promise<{ items: CallRow[]; next: CallCursor | null }> {
    const rows: CallReportRow[] = await this.runtime.dataSource.query(
      `SELECT c.*, c.day::text AS day, o.status AS delivery, o.reason AS delivery_reason
       FROM call_report c LEFT JOIN textback_outcome o ON o.textback_id = c.textback_id
       WHERE c.tenant_id = $1 AND c.day BETWEEN $2 AND $3 AND ($4::text IS NULL OR c.location_id = $4) AND c.ended_at IS NOT NULL
         AND ($5::timestamptz IS NULL OR (c.ended_at, c.call_id) < ($5::timestamptz, $6::text))
         AND ($7::text IS NULL OR ${STATUS_SQL} = $7)
       ORDER BY c.ended_at DESC, c.call_id DESC
       LIMIT $8`,
      [
        filter.tenantId,
        filter.from,
        filter.to,
        filter.locationId ?? null,
        after?.endedAt ?? null,
        after?.callId ?? null,
        filter.textback ?? null,
        limit + 1,
      ],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => this.toCall(r)),
      next:
        rows.length > limit && last?.ended_at
          ? { endedAt: last.ended_at.toISOString(), callId: last.call_id }
          : null,
    };
  }

  /** Nulls caller numbers and deletes reply records past the retention period; counts and timings stay. */
  async redactExpired(now = new Date()): Promise<number> {
    const cutoff = new Date(
      now.getTime() - this.runtime.config.REPORTING_PII_RETENTION_DAYS * 86_400_000,
    );
    const calls: [unknown[], number] = await this.runtime.dataSource.query(
      `UPDATE call_report SET caller_number = NULL WHERE caller_number IS NOT NULL AND ended_at < $1`,
      [cutoff],
    );
    const replies: [unknown[], number] = await this.runtime.dataSource.query(
      'DELETE FROM reply_event WHERE at < $1',
      [cutoff],
    );
    return calls[1] + replies[1];
  }

  private toCall(r: CallReportRow): CallRow {
    const textback = statusOf(r);
    const base = this.runtime.config.INBOX_URL;
    const tenant = this.directory.location(r.location_id)?.tenantId;
    return {
      callId: r.call_id,
      locationId: r.location_id,
      day: r.day,
      endedAt: r.ended_at?.toISOString() ?? null,
      outcome: r.outcome,
      durationSeconds: r.duration_seconds,
      caller: r.caller_masked,
      textback,
      whyNot:
        textback === 'suppressed'
          ? r.suppression_reason
          : textback === 'send-failed'
            ? r.delivery_reason
            : textback === 'texted'
              ? r.delivery === 'failed'
                ? r.delivery_reason
                : null
              : textback,
      textSentAt: r.text_sent_at?.toISOString() ?? null,
      secondsToText:
        r.text_sent_at && r.ended_at
          ? (r.text_sent_at.getTime() - r.ended_at.getTime()) / 1000
          : null,
      delivery: r.delivery,
      replied: r.first_customer_reply_at !== null,
      secondsToHumanReply:
        r.first_human_reply_at && r.first_customer_reply_at
          ? (r.first_human_reply_at.getTime() - r.first_customer_reply_at.getTime()) / 1000
          : null,
      leadStatus: r.lead_status,
      leadValueMinor: r.lead_value_minor === null ? null : Number(r.lead_value_minor),
      threadId: r.thread_id,
      threadUrl:
        r.thread_id && base
          ? `${base}?tenant=${encodeURIComponent(tenant ?? '')}&thread=${r.thread_id}`
          : null,
    };
  }

  private async recordReply(
    tx: Tx,
    eventId: string,
    locationId: string,
    number: string,
    kind: 'customer' | 'human',
    at: string,
  ): Promise<void> {
    await tx.query(
      'INSERT INTO reply_event (event_id, location_id, number, kind, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [eventId, locationId, number, kind, at],
    );
    await this.settleReplies(tx, locationId, number);
  }

  /**
   * Recomputes, for every texted call from this number at this location, the customer's first
   * reply after that text (and before the next one) and the first human message after it. From
   * the stored facts, not the arrival order: a replay in any order gives the same answer.
   */
  private async settleReplies(tx: Tx, locationId: string, number: string): Promise<void> {
    await tx.query(
      `WITH texted AS (
         SELECT call_id, text_sent_at, lead(text_sent_at) OVER (ORDER BY text_sent_at) AS next_text_at
         FROM call_report WHERE location_id = $1 AND caller_number = $2 AND text_sent_at IS NOT NULL
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
      [locationId, number],
    );
  }

  /** The day in the location's zone; null while the location is not known (`settlePending` fills it in). */
  private localDay(locationId: string, at: string): string | null {
    const zone = this.directory.location(locationId)?.timezone;
    return zone ? (DateTime.fromISO(at, { zone }).toISODate() ?? null) : null;
  }

  /** Gives calls that arrived before their location's profile their local day. */
  async settlePending(): Promise<number> {
    const waiting: { location_id: string }[] = await this.runtime.dataSource.query(
      'SELECT DISTINCT location_id FROM call_report WHERE day IS NULL AND ended_at IS NOT NULL',
    );
    let settled = 0;
    for (const { location_id: locationId } of waiting) {
      const zone = this.directory.location(locationId)?.timezone;
      if (!zone) continue;
      const [, n]: [unknown[], number] = await this.runtime.dataSource.query(
        'UPDATE call_report SET day = (ended_at AT TIME ZONE $2)::date WHERE location_id = $1 AND day IS NULL AND ended_at IS NOT NULL',
        [locationId, zone],
      );
      settled += n;
    }
    return settled;
  }
}

/** The status column in SQL, the same rule as `statusOf` (filtering happens in the query). */
const STATUS_SQL = `(CASE WHEN c.text_sent_at IS NOT NULL THEN 'texted'
  WHEN c.suppression_reason IS NOT NULL THEN 'suppressed'
  WHEN o.status = 'failed' THEN 'send-failed'
  WHEN c.textback_id IS NOT NULL THEN 'scheduled'
  ELSE 'pending' END)`;

function statusOf(
  r: Pick<CallReportRow, 'text_sent_at' | 'suppression_reason' | 'delivery' | 'textback_id'>,
): TextbackStatus {
  if (r.text_sent_at) return 'texted';
  if (r.suppression_reason) return 'suppressed';
  if (r.delivery === 'failed') return 'send-failed';
  if (r.textback_id) return 'scheduled';
  return 'pending';
}

function emptyTimings(): Timings {
  return {
    timeToText: { count: 0, p50: null, p95: null, p99: null },
    timeToFirstHumanReply: {
      count: 0,
      p50: null,
      p95: null,
      p99: null,
      within5m: 0,
      within15m: 0,
      within60m: 0,
    },
  };
}
