import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { Database, openDataSource, poolOf } from '@textback/persistence';
import { uniqueTestPrefix } from '@textback/testing';
import { smsDispatchMigrations } from '../src/app.module';
import { SendRateLimits } from '../src/dispatch/send-rate-limits';

/** The layered carrier budgets on PostgreSQL: one statement a draw, nothing kept by a refusal. */
describe('send rate limits (middle tier: PostgreSQL)', () => {
  let ds: DataSource;
  let db: Database;
  const quiet = { info: () => undefined };
  const send = { from: '+14045550100', tenantId: 'limits-tenant', timezone: 'America/New_York' };
  const now = new Date('2026-12-02T17:00:00Z');
  const points = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (
        await db.select(
          z.object({ key: z.string(), points: z.number() }),
          'SELECT key, points FROM rate_limit ORDER BY key',
        )
      ).map((r) => [r.key.split(':')[0] ?? r.key, r.points]),
    );

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema: uniqueTestPrefix('limits'),
      migrations: smsDispatchMigrations,
    });
    db = new Database(poolOf(ds));
  });

  afterAll(async () => {
    await ds.destroy();
  });

  beforeEach(async () => {
    await db.mutate('DELETE FROM rate_limit');
  });

  it('draws every layer in one statement, and a refused draw gives its points back to every layer', async () => {
    const limits = new SendRateLimits(db, quiet, {
      senderPerSecond: 100,
      campaignPerSecond: 100,
      brandDailyCap: 2,
    });
    let statements = 0;
    db.countStatementsWith(() => statements++);
    expect(await limits.take(send, now)).toBeUndefined();
    expect(statements).toBe(1);
    expect(await limits.take(send, now)).toBeUndefined();
    const refused = await limits.take(send, now);
    expect(refused?.layer).toBe('brand-day');
    // Held until the brand's next local midnight (12:00 in New York → 00:00): 12 hours.
    expect(refused?.waitMs).toBe(12 * 3_600_000);
    expect(await points()).toEqual({ 'brand-day': 2, sender: 2 });
  });

  it('never lets concurrent draws past a budget', async () => {
    const limits = new SendRateLimits(db, quiet, {
      senderPerSecond: 5,
      campaignPerSecond: 100,
      brandDailyCap: 1_000,
    });
    const results = await Promise.all(Array.from({ length: 20 }, () => limits.take(send, now)));
    const sent = results.filter((r) => r === undefined).length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r?.layer === 'sender')).toHaveLength(20 - sent);
    expect(await points()).toEqual({ 'brand-day': sent, sender: sent });
  });
});
