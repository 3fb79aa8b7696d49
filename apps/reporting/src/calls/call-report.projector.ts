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
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ReportingConfig } from '../config';
import { callReportUpserts as upserts } from './call-report-upserts.repository';
import { callReportRepository as reports } from './call-report.repository';
import { replyEventsRepository as replies } from './reply-events.repository';

/**
 * The per-call read model's projector: what happened to each call (texted? why not?), its
 * timings and its lead, filled in by each event in any order, so replaying the topics from the
 * start rebuilds it. Personal data (caller numbers, reply records) is dropped after retention.
 */
@Injectable()
export class CallReportProjector implements OnModuleInit, OnModuleDestroy {
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
    upserts.callEnded(tx, scope, {
      callId: c.callId,
      locationId: c.locationId,
      caller: callerOf(c.callerNumber),
      day: this.localDay(c.locationId, c.endedAt),
      endedAt: c.endedAt,
      outcome: c.outcome,
      durationSeconds: c.durationSeconds ?? null,
    });
  }

  async onTextbackRequested(tx: Tx, e: EventEnvelope<'textback.requested.v1'>): Promise<void> {
    const r = e.payload;
    upserts.textbackRequested(tx, scopeOf(e), {
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
    upserts.textbackSuppressed(tx, scopeOf(e), {
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
    // Matching replies to texts again is needed only if this number has replied at all.
    const answered = await reports.textSent(tx, scope, {
      callId: s.sourceId,
      locationId: s.locationId,
      caller: callerOf(s.to),
      textbackId: s.textbackId ?? null,
      at: s.at,
      segments: s.segments,
    });
    if (answered) await replies.settleReplies(tx, scope, s.locationId, s.to);
  }

  async onSmsDelivered(tx: Tx, e: EventEnvelope<'sms.delivered.v1'>): Promise<void> {
    const s = e.payload;
    if (!s.textbackId) return;
    upserts.textOutcome(tx, scopeOf(e), {
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
    upserts.textOutcome(tx, scopeOf(e), {
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
    upserts.leadChanged(tx, scopeOf(e), {
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

  /** Nulls caller numbers and deletes reply records past the retention period; counts and timings stay. */
  redactExpired(now = this.runtime.clock.now()): Promise<number> {
    const cutoff = new Date(
      now.getTime() - this.runtime.config.REPORTING_PII_RETENTION_DAYS * 86_400_000,
    );
    return reports.redactBefore(this.runtime.db, this.everyTenant, cutoff);
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
    await replies.reply(tx, scope, { eventId, locationId, number, kind, at });
    await replies.settleReplies(tx, scope, locationId, number);
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
