import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { ReportingConfig } from '../config';
import {
  callReportQueries as reports,
  type CallRange,
  type CallReportRow,
  type TimingsRow,
} from './call-report-queries.repository';

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

export interface CallFilter extends CallRange {
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
  timeToFirstHumanReply: Percentiles & {
    within5m: number;
    within15m: number;
    within60m: number;
    /** Answered the same day in the location's calendar (the minimum bar). */
    sameDay: number;
  };
}

/** The per-call read model as analysts read it: timings, the text-backs' own funnel, the calls list. */
@Injectable()
export class CallsService {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>) {}

  /** Time to text and time to first human reply over the calls of a range (local days). */
  async timings(scope: TenantScope, range: CallRange): Promise<Timings> {
    return (await this.timingsBy(scope, range, 'range')).get('range') ?? emptyTimings();
  }

  /** The same, per day, ISO week (from its Monday) or month (from its first day). */
  async timingsBy(
    scope: TenantScope,
    range: CallRange,
    period: 'day' | 'week' | 'month' | 'range',
  ): Promise<Map<string, Timings>> {
    const rows = await reports.timings(this.runtime.db, scope, range, period);
    return new Map(rows.map((r) => [r.period, timingsOf(r)]));
  }

  /**
   * The text-backs' own funnel, per location and period (first day of it), counted over one
   * population — texted calls — so each stage is part of the one before: replied (a reply matched
   * to the text it answers), then of those qualified (or booked), then booked. Leads from people
   * who texted without calling are outside it (the lead counters have them).
   */
  repliedBy(scope: TenantScope, range: CallRange, period: 'day' | 'week' | 'month') {
    return reports.replied(this.runtime.db, scope, range, period);
  }

  /** One page of a tenant's calls, newest first, and where the next page starts. */
  async list(
    scope: TenantScope,
    filter: CallFilter,
    limit: number,
    after?: CallCursor,
  ): Promise<{ items: CallRow[]; next: CallCursor | null }> {
    const rows = await reports.page(this.runtime.db, scope, filter, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => this.toCall(scope, r)),
      next:
        rows.length > limit && last?.endedAt
          ? { endedAt: last.endedAt.toISOString(), callId: last.callId }
          : null,
    };
  }

  private toCall(scope: TenantScope, r: CallReportRow): CallRow {
    const textback = statusOf(r);
    const base = this.runtime.config.INBOX_URL;
    return {
      callId: r.callId,
      locationId: r.locationId,
      day: r.day,
      endedAt: r.endedAt?.toISOString() ?? null,
      outcome: r.outcome,
      durationSeconds: r.durationSeconds,
      caller: r.callerMasked,
      textback,
      whyNot:
        textback === 'suppressed'
          ? r.suppressionReason
          : textback === 'send-failed'
            ? r.deliveryReason
            : textback === 'texted'
              ? r.delivery === 'failed'
                ? r.deliveryReason
                : null
              : textback,
      textSentAt: r.textSentAt?.toISOString() ?? null,
      secondsToText:
        r.textSentAt && r.endedAt ? (r.textSentAt.getTime() - r.endedAt.getTime()) / 1000 : null,
      delivery: r.delivery,
      replied: r.firstCustomerReplyAt !== null,
      secondsToHumanReply:
        r.firstHumanReplyAt && r.firstCustomerReplyAt
          ? (r.firstHumanReplyAt.getTime() - r.firstCustomerReplyAt.getTime()) / 1000
          : null,
      leadStatus: r.leadStatus,
      leadValueMinor: r.leadValueMinor,
      threadId: r.threadId,
      threadUrl:
        r.threadId && base
          ? `${base}?tenant=${encodeURIComponent(scope.tenantId)}&thread=${r.threadId}`
          : null,
    };
  }
}

function timingsOf(r: TimingsRow): Timings {
  const num = (v: number | null): number | null =>
    v === null ? null : Math.round(v * 1000) / 1000;
  return {
    timeToText: {
      count: r.textCount,
      p50: num(r.textP50),
      p95: num(r.textP95),
      p99: num(r.textP99),
    },
    timeToFirstHumanReply: {
      count: r.humanCount,
      p50: num(r.humanP50),
      p95: num(r.humanP95),
      p99: num(r.humanP99),
      within5m: r.w5,
      within15m: r.w15,
      within60m: r.w60,
      sameDay: r.sameDay,
    },
  };
}

/** The same rule as the repository's STATUS_SQL (filtering happens in the query). */
function statusOf(
  r: Pick<CallReportRow, 'textSentAt' | 'suppressionReason' | 'delivery' | 'textbackId'>,
): TextbackStatus {
  if (r.textSentAt) return 'texted';
  if (r.suppressionReason) return 'suppressed';
  if (r.delivery === 'failed') return 'send-failed';
  if (r.textbackId) return 'scheduled';
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
      sameDay: 0,
    },
  };
}
