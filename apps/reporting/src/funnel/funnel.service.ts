import { Inject, Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { EventEnvelope } from '@textback/contracts';
import {
  scopeOf,
  systemScope,
  tenantScope,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ReportingConfig } from '../config';
import { periodOf, type FunnelTotals, type Interval } from './funnel-report';
import { gatherCounts } from './funnel-counts';
import { funnelRepository as counters } from './funnel.repository';

/** The stages a lead is counted in once it reaches them (booked implies qualified and engaged). */
const STAGES = ['engaged', 'qualified', 'booked'] as const;
const implied: Record<string, readonly string[]> = {
  new: [],
  engaged: ['engaged'],
  qualified: ['engaged', 'qualified'],
  booked: ['engaged', 'qualified', 'booked'],
  lost: [],
};

/** A booking without its own value: worth the location's average ticket, known when counted. */
const AVERAGE_TICKET = Symbol('average ticket');
type Increment = [metric: string, value: number | typeof AVERAGE_TICKET];

/**
 * Counts the text-back funnel per tenant, location and local day, once per event (processed
 * events), from the pipeline's own events: calls ended, decisions, texts, leads and bookings.
 */
@Injectable()
export class FunnelService {
  /** Parked increments of every tenant are counted once their location is known. */
  private readonly everyTenant: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {
    this.everyTenant = systemScope('reporting: parked funnel increments', runtime.logger);
  }

  onCallEnded(tx: Tx, e: EventEnvelope<'call.ended.v1'>): Promise<void> {
    const c = e.payload;
    return this.count(tx, scopeOf(e), c.locationId, c.endedAt, [
      [c.outcome === 'answered' ? 'calls_answered' : 'calls_missed', 1],
    ]);
  }

  onTextbackRequested(tx: Tx, e: EventEnvelope<'textback.requested.v1'>): Promise<void> {
    const r = e.payload;
    return this.count(tx, scopeOf(e), r.locationId, r.callEndedAt, [['textbacks_requested', 1]]);
  }

  onTextbackSuppressed(tx: Tx, e: EventEnvelope<'textback.suppressed.v1'>): Promise<void> {
    const s = e.payload;
    return this.count(tx, scopeOf(e), s.locationId, s.decidedAt, [
      ['textbacks_suppressed', 1],
      [`suppressed_${s.reason}`, 1],
    ]);
  }

  onSmsSent(tx: Tx, e: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    const s = e.payload;
    if (s.purpose && s.purpose !== 'textback')
      return this.count(tx, scopeOf(e), s.locationId, s.at, [['segments', s.segments]]);
    return this.count(tx, scopeOf(e), s.locationId, s.at, [
      ['textbacks_sent', 1],
      ['segments', s.segments],
    ]);
  }

  onSmsDelivered(tx: Tx, e: EventEnvelope<'sms.delivered.v1'>): Promise<void> {
    const s = e.payload;
    return this.count(tx, scopeOf(e), s.locationId, s.at, [
      [s.textbackId ? 'textbacks_delivered' : 'replies_delivered', 1],
    ]);
  }

  onSmsFailed(tx: Tx, e: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    const s = e.payload;
    return this.count(tx, scopeOf(e), s.locationId, s.at, [
      [s.textbackId ? 'textbacks_failed' : 'replies_failed', 1],
    ]);
  }

  /** A lead counts once when created, and once per stage it first reaches; a booking adds its value. */
  async onLeadChanged(tx: Tx, e: EventEnvelope<'lead.changed.v1'>): Promise<void> {
    const l = e.payload;
    const scope = scopeOf(e);
    // A lead's first change almost always finds no state yet: one insert, not a read and a write.
    if (l.version === 1) {
      const first = this.advance(l, undefined);
      if (await counters.insertLeadState(tx, scope, first.state)) {
        await this.count(tx, scope, l.locationId, first.state.firstAt, first.increments);
        return;
      }
    }
    const known = await counters.leadState(tx, scope, l.leadId);
    if (known && known.version >= l.version) return; // an older or repeated change
    const next = this.advance(l, known);
    await counters.saveLeadState(tx, scope, next.state);
    await this.count(tx, scope, l.locationId, next.state.firstAt, next.increments);
  }

  /** A lead's state after a change, and what the change adds to the funnel. */
  private advance(
    l: EventEnvelope<'lead.changed.v1'>['payload'],
    known: { reached: string[]; firstAt: Date | null } | undefined,
  ) {
    // Every stage of a lead counts on the day the lead began.
    const firstAt = known?.firstAt?.toISOString() ?? l.changedAt;
    const reached = new Set(known?.reached ?? []);
    const increments: Increment[] = known ? [] : [['leads', 1]];
    for (const stage of implied[l.status] ?? []) {
      if (reached.has(stage)) continue;
      reached.add(stage);
      increments.push([`leads_${stage}`, 1]);
      if (stage === 'booked')
        increments.push(
          ['revenue_minor', l.value?.amountMinor ?? AVERAGE_TICKET],
          [l.value ? 'bookings_with_value' : 'bookings_at_average_ticket', 1],
        );
    }
    const state = {
      leadId: l.leadId,
      locationId: l.locationId,
      day: this.localDay(l.locationId, firstAt) ?? null,
      firstAt,
      version: l.version,
      reached: [...reached].filter((s) => (STAGES as readonly string[]).includes(s)),
    };
    return { state, increments };
  }

  /** Counts the facts that waited for their location's profile, now that it is known. */
  async settlePending(): Promise<number> {
    let settled = 0;
    for (const locationId of await counters.parkedLocations(this.runtime.db, this.everyTenant)) {
      const location = this.directory.location(locationId);
      if (!location) continue;
      await this.runtime.transaction(async (tx) => {
        for (const r of await counters.takeParked(tx, this.everyTenant, locationId)) {
          await this.count(
            tx,
            tenantScope(r.tenantId, [location.locationId]),
            locationId,
            r.at.toISOString(),
            [[r.metric, r.value === null ? AVERAGE_TICKET : r.value]],
          );
          settled += 1;
        }
      });
    }
    return settled;
  }

  /** Totals, per location, and per period (local day, ISO week from Monday, or month) of a tenant's range. */
  async funnel(
    scope: TenantScope,
    from: string,
    to: string,
    locationId: string | undefined,
    interval: Interval,
  ): Promise<{
    totals: FunnelTotals;
    byLocation: Record<string, FunnelTotals>;
    byPeriod: Record<string, FunnelTotals>;
    byLocationPeriod: Record<string, Record<string, FunnelTotals>>;
  }> {
    const rows = await counters.counts(this.runtime.db, scope, { from, to, locationId });
    const totals: FunnelTotals = {};
    const byLocation: Record<string, FunnelTotals> = {};
    const byPeriod: Record<string, FunnelTotals> = {};
    const byLocationPeriod: Record<string, Record<string, FunnelTotals>> = {};
    const add = (into: FunnelTotals, metric: string, v: number): void => {
      into[metric] = (into[metric] ?? 0) + v;
    };
    for (const r of rows) {
      const v = r.value;
      const period = periodOf(r.day, interval);
      add(totals, r.metric, v);
      add((byLocation[r.locationId] ??= {}), r.metric, v);
      add((byPeriod[period] ??= {}), r.metric, v);
      add(((byLocationPeriod[r.locationId] ??= {})[period] ??= {}), r.metric, v);
    }
    return { totals, byLocation, byPeriod, byLocationPeriod };
  }

  /** The day in the location's zone; undefined while the location is not known. */
  private localDay(locationId: string, at: string): string | undefined {
    const zone = this.directory.location(locationId)?.timezone;
    return zone ? (DateTime.fromISO(at, { zone }).toISODate() ?? undefined) : undefined;
  }

  /** Adds to the location's local day, or parks the increments until the location is known. */
  private async count(
    tx: Tx,
    scope: TenantScope,
    locationId: string,
    at: string,
    increments: Increment[],
  ): Promise<void> {
    const location = this.directory.location(locationId);
    const day = this.localDay(locationId, at);
    if (!location || !day) {
      for (const [metric, value] of increments) {
        await counters.park(tx, scope, {
          locationId,
          at,
          metric,
          value: value === AVERAGE_TICKET ? null : value,
        });
      }
      return;
    }
    const averageTicket = location.averageTicket?.amountMinor ?? 0;
    gatherCounts(
      tx,
      scope,
      locationId,
      day,
      increments.map(([metric, value]) => [
        metric,
        value === AVERAGE_TICKET ? averageTicket : value,
      ]),
    );
  }
}
