import { DateTime } from 'luxon';

export type Interval = 'day' | 'week' | 'month';

/** The first day of the period a local day falls in (ISO weeks start on Monday, as in PostgreSQL). */
export function periodOf(day: string, interval: Interval): string {
  if (interval === 'day') return day;
  return DateTime.fromISO(day).startOf(interval).toISODate() ?? day;
}

export interface FunnelTotals {
  [metric: string]: number;
}

export interface Roi {
  currency: string;
  revenueMinor: number;
  messageCostMinor: number;
  subscriptionMinor: number;
  costMinor: number;
  /** (revenue − cost) / cost; null without any cost. */
  roi: number | null;
  assumptions: Record<string, string | number>;
}

/**
 * Return on what the tenant spends: the subscription prorated over the range (30-day months)
 * plus message cost (segments × rate), against recovered revenue. Assumptions are returned.
 */
export function roiOf(o: {
  totals: FunnelTotals;
  from: string;
  to: string;
  smsCostMicrosPerSegment: number;
  monthlyPrice: { amountMinor: number; currency: string } | undefined;
  averageTicketCurrency: string | undefined;
}): Roi {
  const days = Math.round(DateTime.fromISO(o.to).diff(DateTime.fromISO(o.from), 'days').days) + 1;
  const micros = o.smsCostMicrosPerSegment;
  const messageCostMinor = Math.round(((o.totals['segments'] ?? 0) * micros) / 10_000);
  const subscriptionMinor = Math.round(((o.monthlyPrice?.amountMinor ?? 0) * days) / 30);
  const costMinor = messageCostMinor + subscriptionMinor;
  const revenueMinor = o.totals['revenue_minor'] ?? 0;
  return {
    currency: o.monthlyPrice?.currency ?? o.averageTicketCurrency ?? 'USD',
    revenueMinor,
    messageCostMinor,
    subscriptionMinor,
    costMinor,
    roi: costMinor === 0 ? null : Math.round(((revenueMinor - costMinor) / costMinor) * 100) / 100,
    assumptions: {
      smsCostMicrosPerSegment: micros,
      days,
      monthlyPriceMinor: o.monthlyPrice?.amountMinor ?? 0,
      revenue: 'booked value, else the location average ticket',
    },
  };
}

/** The last day of a period that starts on `start`. */
export function periodEnd(start: string, interval: Interval): string {
  return DateTime.fromISO(start).endOf(interval).toISODate() ?? start;
}
