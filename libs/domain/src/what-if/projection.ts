import type { LoggedCall, LoggedOutcome } from './call-log';

/**
 * What a business would recover with text-back, projected from its own call log. Rates are
 * fractions (0–1); money is in minor units of `currency`.
 */
export interface WhatIfAssumptions {
  /** Share of texted callers who reply (compliance.md: 25–40% in service businesses). */
  replyRate: number;
  /** Share of replies that become qualified leads (no industry figure; a business knows its own). */
  qualificationRate: number;
  /** Revenue of one qualified lead that books. */
  averageTicketMinor: number;
  currency: string;
  /** A caller is texted once within this window, as the platform does. */
  dedupeWindowMinutes: number;
  /** The subscription, to set revenue against (0 leaves ROI out). */
  monthlyPriceMinor: number;
  /** What one text-back costs at the carrier. */
  messageCostMinor: number;
}

export interface Projection {
  texts: number;
  leads: number;
  qualifiedLeads: number;
  revenueMinor: number;
}

export interface WhatIf {
  period: { from: string | null; to: string | null; days: number };
  calls: {
    total: number;
    answered: number;
    missed: number;
    byOutcome: Record<LoggedOutcome, number>;
    uniqueMissedCallers: number;
  };
  /** With the assumptions as given. */
  projection: Projection;
  /** The same at the low and high ends of the industry reply rate. */
  range: { low: Projection; high: Projection };
  cost: { subscriptionMinor: number; messagesMinor: number; totalMinor: number };
  /** (revenue − cost) / cost; null without a cost. */
  roi: number | null;
}

/** The industry reply-rate range from compliance.md's figures; the default is its low end. */
export const INDUSTRY_REPLY_RATE = { low: 0.25, high: 0.4 } as const;

/**
 * Projects recovered leads and revenue: every missed call (not answered) is texted unless the
 * same caller was already texted within the dedupe window; replies, qualified leads and
 * revenue follow from the rates. Pure: the same log and assumptions give the same answer.
 */
export function projectWhatIf(calls: readonly LoggedCall[], a: WhatIfAssumptions): WhatIf {
  const byOutcome: Record<LoggedOutcome, number> = {
    answered: 0,
    'no-answer': 0,
    busy: 0,
    voicemail: 0,
    abandoned: 0,
    failed: 0,
  };
  for (const c of calls) byOutcome[c.outcome] += 1;
  const missed = [...calls]
    .filter((c) => c.outcome !== 'answered')
    .sort((x, y) => x.at.toMillis() - y.at.toMillis());

  const lastTexted = new Map<string, number>();
  let texts = 0;
  for (const c of missed) {
    const at = c.at.toMillis();
    const last = lastTexted.get(c.caller);
    if (last !== undefined && at - last < a.dedupeWindowMinutes * 60_000) continue;
    lastTexted.set(c.caller, at);
    texts += 1;
  }

  const times = calls.map((c) => c.at.toMillis());
  const first = times.length ? Math.min(...times) : undefined;
  const last = times.length ? Math.max(...times) : undefined;
  const days =
    first === undefined || last === undefined
      ? 0
      : Math.max(1, Math.ceil((last - first) / 86_400_000));
  const project = (replyRate: number): Projection => {
    const leads = Math.round(texts * replyRate);
    const qualifiedLeads = Math.round(leads * a.qualificationRate);
    return { texts, leads, qualifiedLeads, revenueMinor: qualifiedLeads * a.averageTicketMinor };
  };
  const projection = project(a.replyRate);
  const subscriptionMinor = Math.round((a.monthlyPriceMinor * days) / 30);
  const messagesMinor = Math.round(texts * a.messageCostMinor);
  const totalMinor = subscriptionMinor + messagesMinor;
  return {
    period: {
      from: first === undefined ? null : new Date(first).toISOString(),
      to: last === undefined ? null : new Date(last).toISOString(),
      days,
    },
    calls: {
      total: calls.length,
      answered: byOutcome.answered,
      missed: missed.length,
      byOutcome,
      uniqueMissedCallers: new Set(missed.map((c) => c.caller)).size,
    },
    projection,
    range: { low: project(INDUSTRY_REPLY_RATE.low), high: project(INDUSTRY_REPLY_RATE.high) },
    cost: { subscriptionMinor, messagesMinor, totalMinor },
    roi:
      totalMinor === 0
        ? null
        : Math.round(((projection.revenueMinor - totalMinor) / totalMinor) * 100) / 100,
  };
}
