import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DateTime } from 'luxon';
import type { Pool } from 'pg';

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
 * budgets live in PostgreSQL (rate-limiter-flexible), so every replica draws from the same ones.
 */
export class SendRateLimits {
  private readonly limiters = new Map<string, RateLimiterPostgres>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly settings: RateLimitSettings,
  ) {}

  /**
   * Undefined when the send may go now (its budgets taken), else how long to wait and why. The
   * brand's cap is per local day of the location: past it, the send waits for the next local
   * midnight (it is held, never dropped).
   */
  async take(send: RateLimitedSend, now: Date): Promise<RateLimitHold | undefined> {
    const local = DateTime.fromJSDate(now).setZone(send.timezone);
    const layers: [RateLimiterPostgres, string, RateLimitHold['layer']][] = [
      [this.perSecond('sender', this.settings.senderPerSecond), send.from, 'sender'],
    ];
    if (send.campaignId)
      layers.push([
        this.perSecond('campaign', this.settings.campaignPerSecond),
        send.campaignId,
        'campaign',
      ]);
    // Keyed by the local day; kept two days so a key outlives its day in any zone.
    layers.push([
      this.limiter('brand-day', send.brandDailyCap ?? this.settings.brandDailyCap, 2 * 86_400),
      `${send.tenantId}:${local.toISODate() ?? ''}`,
      'brand-day',
    ]);
    const taken: [RateLimiterPostgres, string][] = [];
    for (const [limiter, key, layer] of layers) {
      try {
        await limiter.consume(key);
        taken.push([limiter, key]);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // Give back what the earlier layers granted: this send is not going now.
        for (const [l, k] of taken) await l.reward(k, 1);
        const waitMs =
          layer === 'brand-day'
            ? local.plus({ days: 1 }).startOf('day').toMillis() - now.getTime()
            : rejection.msBeforeNext;
        return { waitMs: Math.max(1, waitMs), layer };
      }
    }
    return undefined;
  }

  /** A rate below 1/s is one message per ⌈1/rate⌉ seconds. */
  private perSecond(name: string, rate: number): RateLimiterPostgres {
    return rate >= 1
      ? this.limiter(name, Math.floor(rate), 1)
      : this.limiter(name, 1, Math.ceil(1 / rate));
  }

  private limiter(name: string, points: number, duration: number): RateLimiterPostgres {
    const id = `${name}:${points}:${duration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterPostgres({
        storeClient: this.pool,
        storeType: 'pool',
        schemaName: this.schema,
        tableName: 'rate_limit',
        tableCreated: true,
        keyPrefix: id,
        points,
        duration,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}
