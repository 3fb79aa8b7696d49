import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

export interface RateLimitedSend {
  readonly from: string;
  readonly tenantId: string;
  readonly campaignId?: string | undefined;
  readonly brandDailyCap?: number | undefined;
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
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly settings: RateLimitSettings,
  ) {}

  /** 0 when the send may go now (its budget taken), else how long to wait (ms). */
  async take(send: RateLimitedSend): Promise<number> {
    const layers: [RateLimiterPostgres, string][] = [[this.perSecond('sender', this.settings.senderPerSecond), send.from]];
    if (send.campaignId) layers.push([this.perSecond('campaign', this.settings.campaignPerSecond), send.campaignId]);
    layers.push([this.limiter('brand-day', send.brandDailyCap ?? this.settings.brandDailyCap, 86_400), send.tenantId]);
    const taken: [RateLimiterPostgres, string][] = [];
    for (const [limiter, key] of layers) {
      try {
        await limiter.consume(key);
        taken.push([limiter, key]);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // Give back what the earlier layers granted: this send is not going now.
        for (const [l, k] of taken) await l.reward(k, 1);
        return Math.max(1, rejection.msBeforeNext);
      }
    }
    return 0;
  }

  /** A rate below 1/s is one message per ⌈1/rate⌉ seconds. */
  private perSecond(name: string, rate: number): RateLimiterPostgres {
    return rate >= 1 ? this.limiter(name, Math.floor(rate), 1) : this.limiter(name, 1, Math.ceil(1 / rate));
  }

  private limiter(name: string, points: number, duration: number): RateLimiterPostgres {
    const id = `${name}:${points}:${duration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterPostgres({
        storeClient: (this.dataSource.driver as PostgresDriver).master,
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
