import { Inject, Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import type { TenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { CallsService } from './calls/calls.service';
import type { ReportingConfig } from './config';
import {
  periodEnd,
  roiOf,
  type FunnelTotals,
  type Interval,
  type Roi,
} from './funnel/funnel-report';
import { FunnelService } from './funnel/funnel.service';

export interface FunnelQuery {
  readonly from: string;
  readonly to: string;
  readonly locationId?: string | undefined;
  readonly interval: Interval;
}

/**
 * The funnel report as the API returns it: the counters, the text-backs' own funnel from the
 * per-call model (one population) merged in, timings, a series per period with its ROI, and the
 * same as CSV (one row per period and location, one column per metric).
 */
@Injectable()
export class ReportsService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly funnel: FunnelService,
    private readonly calls: CallsService,
  ) {}

  async funnelReport(scope: TenantScope, q: FunnelQuery) {
    const range = { from: q.from, to: q.to, locationId: q.locationId };
    const [funnel, timings, periodTimings, replied] = await Promise.all([
      this.funnel.funnel(scope, q.from, q.to, q.locationId, q.interval),
      this.calls.timings(scope, range),
      this.calls.timingsBy(scope, range, q.interval),
      this.calls.repliedBy(scope, range, q.interval),
    ]);
    for (const r of replied) {
      for (const into of [
        funnel.totals,
        (funnel.byLocation[r.locationId] ??= {}),
        (funnel.byPeriod[r.period] ??= {}),
        ((funnel.byLocationPeriod[r.locationId] ??= {})[r.period] ??= {}),
      ]) {
        into['textbacks_replied'] = (into['textbacks_replied'] ?? 0) + r.replied;
        into['textbacks_qualified'] = (into['textbacks_qualified'] ?? 0) + r.qualified;
        into['textbacks_booked'] = (into['textbacks_booked'] ?? 0) + r.booked;
      }
    }
    const series = Object.keys(funnel.byPeriod)
      .sort()
      .map((period) => {
        // Each period's ROI over the part of it inside the range.
        const end = periodEnd(period, q.interval);
        const metrics = funnel.byPeriod[period] ?? {};
        return {
          period,
          metrics,
          timings: periodTimings.get(period) ?? null,
          roi: this.roi(scope, metrics, period < q.from ? q.from : period, end > q.to ? q.to : end),
        };
      });
    return {
      tenantId: scope.tenantId,
      from: q.from,
      to: q.to,
      locationId: q.locationId ?? null,
      interval: q.interval,
      totals: funnel.totals,
      timings,
      byLocation: funnel.byLocation,
      series,
      roi: this.roi(scope, funnel.totals, q.from, q.to),
      byLocationPeriod: funnel.byLocationPeriod,
    };
  }

  /** One row per period and location, one column per metric. */
  funnelCsv(report: Awaited<ReturnType<ReportsService['funnelReport']>>): string {
    const metrics = [
      ...new Set(Object.values(report.byLocation).flatMap((m) => Object.keys(m))),
    ].sort();
    const rows = Object.entries(report.byLocationPeriod)
      .flatMap(([location, periods]) =>
        Object.entries(periods).map(([period, m]) => [
          period,
          location,
          ...metrics.map((k) => m[k] ?? 0),
        ]),
      )
      .sort(
        (a, b) =>
          String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])),
      );
    return stringify([[report.interval, 'location', ...metrics], ...rows]);
  }

  private roi(scope: TenantScope, totals: FunnelTotals, from: string, to: string): Roi {
    const profile = this.directory.all().find((l) => l.tenantId === scope.tenantId);
    return roiOf({
      totals,
      from,
      to,
      smsCostMicrosPerSegment: this.runtime.config.SMS_COST_MICROS_PER_SEGMENT,
      monthlyPrice: profile?.monthlyPrice,
      averageTicketCurrency: profile?.averageTicket?.currency,
    });
  }
}
