import { DateTime } from 'luxon';
import {
  rateLimitRepository,
  systemScope,
  type Database,
  type RateLimitLayer,
  type SystemScope,
} from '@textback/persistence';

export interface RateLimitedSend {
  readonly from: string;
  readonly tenantId: string;
  readonly campaignId?: string | undefined;
  readonly brandDailyCap?: number | undefined;
  /** The location's zone: the brand's daily cap counts the brand's local day. */
  readonly timezone: string;
}

/** Not now: how long to wait, and which layer said so. */
export interface RateLimitHold {
  readonly waitMs: number;
  readonly layer: 'sender' | 'campaign' | 'brand-day';
}

export interface RateLimitSettings {
  readonly senderPerSecond: number;
  readonly campaignPerSecond: number;
  readonly brandDailyCap: number;
}

/**
 * Carrier throughput, layered: per sending number, per 10DLC campaign, per brand per day. The
 * budgets are fixed windows in PostgreSQL, so every replica draws from the same ones; a send
 * draws from all its layers in one statement, its own transaction (the shared counters are
 * locked only for that commit), and a refused send gives its points back at once. Between the
 * two, a concurrent send may see the budget fuller than it is and wait a window: never more
 * sent than a budget allows. It counts fixed windows (e.g. one text per number per
 * second) rather than a token bucket: the same sustained rate, at most one window's budget at a
 * window's edge.
 */
/** A flood guard on texts to a brand's staff (sign-in links and inbox alerts) per day. */
const STAFF_TEXTS_PER_TENANT_DAY = 5_000;

export class SendRateLimits {
  /** The carrier's throughput budgets are shared by every tenant's sends. */
  private readonly scope: SystemScope;

  constructor(
    private readonly db: Database,
    logger: { info(fields: object, message: string): void },
    private readonly settings: RateLimitSettings,
  ) {
    this.scope = systemScope('sms-dispatch: carrier rate-limit budgets', logger);
  }

  /**
   * Undefined when the send may go now (its budgets taken), else how long to wait and why. The
   * brand's cap is per local day of the location: past it, the send waits for the next local
   * midnight (it is held, never dropped).
   */
  /** A text to a brand's staff: the sender's budget, and a daily cap per tenant against floods. */
  takeStaff(from: string, tenantId: string, now: Date): Promise<RateLimitHold | undefined> {
    const cap = { from, tenantId: `staff:${tenantId}`, brandDailyCap: STAFF_TEXTS_PER_TENANT_DAY };
    return this.take({ ...cap, timezone: 'UTC' }, now);
  }

  async take(send: RateLimitedSend, now: Date): Promise<RateLimitHold | undefined> {
    const local = DateTime.fromJSDate(now).setZone(send.timezone);
    const layers: (RateLimitLayer & { layer: RateLimitHold['layer'] })[] = [
      { ...perSecond('sender', this.settings.senderPerSecond, send.from), layer: 'sender' },
    ];
    if (send.campaignId)
      layers.push({
        ...perSecond('campaign', this.settings.campaignPerSecond, send.campaignId),
        layer: 'campaign',
      });
    const cap = send.brandDailyCap ?? this.settings.brandDailyCap;
    // Keyed by the local day; kept two days so a key outlives its day in any zone.
    layers.push({
      key: `brand-day:${cap}:${2 * 86_400}:${send.tenantId}:${local.toISODate() ?? ''}`,
      points: cap,
      windowMs: 2 * 86_400_000,
      layer: 'brand-day',
    });
    const drawn = await rateLimitRepository.draw(this.db, this.scope, layers, now.getTime());
    for (const layer of layers) {
      const row = drawn.find((d) => d.key === layer.key);
      if (!row || row.points <= layer.points) continue;
      await rateLimitRepository.giveBack(this.db, this.scope, drawn);
      const waitMs =
        layer.layer === 'brand-day'
          ? local.plus({ days: 1 }).startOf('day').toMillis() - now.getTime()
          : row.expire - now.getTime();
      return { waitMs: Math.max(1, waitMs), layer: layer.layer };
    }
    return undefined;
  }
}

/** A rate below 1/s is one message per ⌈1/rate⌉ seconds. */
function perSecond(name: string, rate: number, key: string): RateLimitLayer {
  const [points, seconds] = rate >= 1 ? [Math.floor(rate), 1] : [1, Math.ceil(1 / rate)];
  return { key: `${name}:${points}:${seconds}:${key}`, points, windowMs: seconds * 1000 };
}
