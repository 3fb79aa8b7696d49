import type { LocationId, TenantId } from '@textback/contracts';
import { tenantScope, type TenantScope, type Tx } from '@textback/persistence';
import { funnelRepository as counters } from './funnel.repository';

/**
 * Gathers the funnel increments of the whole transaction (a batch of events: many events add to
 * the same few counters), summed per counter; they are written once, just before the commit.
 */
export function gatherCounts(
  tx: Tx,
  scope: TenantScope,
  locationId: string,
  day: string,
  increments: [string, number][],
): void {
  const byTenant = tx.gathered(FUNNEL_DAY, (): GatheredCounts => new Map(), writeCounts);
  let counts = byTenant.get(scope.tenantId);
  if (!counts) byTenant.set(scope.tenantId, (counts = new Map()));
  for (const [metric, value] of increments) {
    const key = `${locationId}\u0000${day}\u0000${metric}`;
    const known = counts.get(key);
    if (known) known.value += value;
    else counts.set(key, { locationId, day, metric, value });
  }
}

/**
 * One statement per tenant, its counters sorted (location, day, metric): concurrent
 * transactions lock the counters they share in the same order and only for the commit.
 */
async function writeCounts(tx: Tx, byTenant: GatheredCounts): Promise<void> {
  for (const tenantId of [...byTenant.keys()].sort()) {
    const counts = byTenant.get(tenantId) ?? new Map<string, Count>();
    const rows = [...counts.keys()].sort().flatMap((k) => counts.get(k) ?? []);
    const locations = [...new Set(rows.map((r) => r.locationId as LocationId))];
    await counters.add(tx, tenantScope(tenantId, locations), rows);
  }
}

/** The key of the funnel counters a transaction gathers (see `Tx.gathered`). */
const FUNNEL_DAY = { gathering: 'funnel_day' };
interface Count {
  locationId: string;
  day: string;
  metric: string;
  value: number;
}
type GatheredCounts = Map<TenantId, Map<string, Count>>;
