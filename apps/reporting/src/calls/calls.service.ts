import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DateTime } from 'luxon';
import { maskPhone, type E164, type EventEnvelope } from '@textback/contracts';
import {
  scopeOf,
  systemScope,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import { RUNTIME, type ServiceRuntime, every, type PeriodicTask } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ReportingConfig } from '../config';
import {
  callReportRepository as reports,
  type CallRange,
  type CallReportRow,
  type TimingsRow,
} from './call-report.repository';

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
  timeToFirstHumanReply: Percentiles & { within5m: number; within15m: number; within60m: number };
}

/**
 * The per-call read model: what happened to each call (texted? why not?), its timings and its
 * lead, filled in by each event in any order, so replaying the topics from the start rebuilds it.
 */
@Injectable()
export class CallsService implements OnModuleInit, OnModuleDestroy {
  private retention?: PeriodicTask;
  /** Retention and the settling of local days work across every tenant's calls. */
  private readonly everyTenant: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {
    this.everyTenant = systemScope(
      'reporting: call report retention and local days',
      runtime.logger,
    );
  }

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
    const scope = scopeOf(e);
    await reports.callEnded(tx, scope, {
      callId: c.callId,
      locationId: c.locationId,
      caller: callerOf(c.callerNumber),
      day: this.localDay(c.locationId, c.endedAt),
      endedAt: c.endedAt,
      outcome: c.outcome,
      durationSeconds: c.durationSeconds ?? null,
    });
    await reports.settleReplies(tx, scope, c.locationId, c.callerNumber);
  }

  async onTextbackRequested(tx: Tx, e: EventEnvelope<'textback.requested.v1'>): Promise<void> {
    const r = e.payload;
    await reports.textbackRequested(tx, scopeOf(e), {
      callId: r.callId,
      locationId: r.locationId,
      caller: callerOf(r.to),
      day: this.localDay(r.locationId, r.callEndedAt),
      endedAt: r.callEndedAt,
      textbackId: r.textbackId,
      sendAfter: r.sendAfter,
    });
  }

  async onTextbackSuppressed(tx: Tx, e: EventEnvelope<'textback.suppressed.v1'>): Promise<void> {
    const s = e.payload;
    await reports.textbackSuppressed(tx, scopeOf(e), {
      callId: s.callId,
      locationId: s.locationId,
      caller: callerOf(s.callerNumber),
      day: this.localDay(s.locationId, s.decidedAt),
      reason: s.reason,
    });
  }

  async onSmsSent(tx: Tx, e: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    const s = e.payload;
    const scope = scopeOf(e);
    if (s.purpose === 'operator') {
      await this.recordReply(tx, scope, e.metadata.id, s.locationId, s.to, 'human', s.at);
      return;
    }
    if ((s.purpose ?? 'textback') !== 'textback' || !s.sourceId) return;
    await reports.textSent(tx, scope, {
      callId: s.sourceId,
      locationId: s.locationId,
      caller: callerOf(s.to),
      textbackId: s.textbackId ?? null,
      at: s.at,
      segments: s.segments,
    });
    await reports.settleReplies(tx, scope, s.locationId, s.to);
  }

  async onSmsDelivered(tx: Tx, e: EventEnvelope<'sms.delivered.v1'>): Promise<void> {
    const s = e.payload;
    if (!s.textbackId) return;
    await reports.textOutcome(tx, scopeOf(e), {
      textbackId: s.textbackId,
      status: 'delivered',
      reason: null,
      errorCode: null,
      at: s.at,
    });
  }

  async onSmsFailed(tx: Tx, e: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    const s = e.payload;
    if (!s.textbackId) return;
    await reports.textOutcome(tx, scopeOf(e), {
      textbackId: s.textbackId,
      status: 'failed',
      reason: s.reason,
      errorCode: s.errorCode ?? null,
      at: s.at,
    });
  }

  async onSmsReceived(tx: Tx, e: EventEnvelope<'sms.received.v1'>): Promise<void> {
    const m = e.payload;
    await this.recordReply(
      tx,
      scopeOf(e),
      e.metadata.id,
      m.locationId,
      m.from,
      'customer',
      m.receivedAt,
    );
  }

  async onLeadChanged(tx: Tx, e: EventEnvelope<'lead.changed.v1'>): Promise<void> {
    const l = e.payload;
    if (!l.callId) return;
    await reports.leadChanged(tx, scopeOf(e), {
      callId: l.callId,
      locationId: l.locationId,
      caller: callerOf(l.customerNumber),
      leadId: l.leadId,
      threadId: l.threadId,
      status: l.status,
      version: l.version,
      valueMinor: l.value?.amountMinor ?? null,
      currency: l.value?.currency ?? null,
    });
  }

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

  /** Nulls caller numbers and deletes reply records past the retention period; counts and timings stay. */
  redactExpired(now = this.runtime.clock.now()): Promise<number> {
    const cutoff = new Date(
      now.getTime() - this.runtime.config.REPORTING_PII_RETENTION_DAYS * 86_400_000,
    );
    return reports.redactBefore(this.runtime.db, this.everyTenant, cutoff);
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

  private async recordReply(
    tx: Tx,
    scope: TenantScope,
    eventId: string,
    locationId: string,
    number: E164,
    kind: 'customer' | 'human',
    at: string,
  ): Promise<void> {
    await reports.reply(tx, scope, { eventId, locationId, number, kind, at });
    await reports.settleReplies(tx, scope, locationId, number);
  }

  /** The day in the location's zone; null while the location is not known (`settlePending` fills it in). */
  private localDay(locationId: string, at: string): string | null {
    const zone = this.directory.location(locationId)?.timezone;
    return zone ? (DateTime.fromISO(at, { zone }).toISODate() ?? null) : null;
  }

  /** Gives calls that arrived before their location's profile their local day. */
  async settlePending(): Promise<number> {
    let settled = 0;
    for (const locationId of await reports.locationsWithoutDay(this.runtime.db, this.everyTenant)) {
      const zone = this.directory.location(locationId)?.timezone;
      if (!zone) continue;
      settled += await reports.setDays(this.runtime.db, this.everyTenant, locationId, zone);
    }
    return settled;
  }
}

function callerOf(number: E164): { number: E164; masked: string } {
  return { number, masked: maskPhone(number) };
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
    },
  };
}
