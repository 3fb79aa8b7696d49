import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { EventBus, InProcessTransport } from '@textback/messaging';
import { eventually } from '@textback/testing';
import { startTestPlatform, type TestPlatform } from '../test-platform';

/**
 * The send rate limits (#11 item 17a), on the whole platform with real PostgreSQL budgets: a
 * burst to one sending number goes out at the configured rate; past the brand's daily cap the
 * rest wait for the next local day; a held send is never dropped.
 */
describe('send rate limits', () => {
  let t: TestPlatform;
  let bus: EventBus;
  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };
  let next = Math.floor(Math.random() * 9000);
  const customer = (): string => `+1678556${String(next++ % 10_000).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'ratelimits',
      env: { SENDER_MESSAGES_PER_SECOND: '2', CAMPAIGN_MESSAGES_PER_SECOND: '100' },
    });
    admin.authorization = await t.adminAuthorization();
    bus = new EventBus({
      service: 'test-operator',
      transport: new InProcessTransport(t.platform.broker!),
    });
    await bus.start();
    const put = (path: string, body: object) =>
      fetch(`${t.url('gateway')}/v1/admin/tenants/${path}`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify(body),
      });
    expect(
      (await put('capped-co', { brandName: 'Capped Co', vertical: 'plumbing', brandDailyCap: 2 }))
        .status,
    ).toBe(201);
    expect(
      (
        await put('capped-co/locations/capped-main', {
          name: 'Main',
          businessNumbers: ['+14705550191'],
          forwardTo: '+14705550199',
          timezone: 'America/Los_Angeles',
        })
      ).status,
    ).toBe(201);
    expect((await put('burst-co', { brandName: 'Burst Co', vertical: 'plumbing' })).status).toBe(
      201,
    );
    expect(
      (
        await put('burst-co/locations/burst-main', {
          name: 'Main',
          businessNumbers: ['+14705550192'],
          forwardTo: '+14705550199',
          timezone: 'America/New_York',
        })
      ).status,
    ).toBe(201);
    await eventually(
      async () => {
        const { rows } = await t.db.query(
          `SELECT count(*)::int AS n FROM ${t.schema('sms-dispatch')}.location_directory WHERE location_id IN ('capped-main', 'burst-main')`,
        );
        return (rows[0] as { n: number }).n === 2;
      },
      { what: 'the locations in sms-dispatch' },
    );
  }, 120_000);

  afterAll(async () => {
    await bus?.stop();
    await t?.stop();
  });

  const reply = (tenantId: string, locationId: string, from: string, to: string) =>
    bus.publish('sms.reply-requested.v1', `${locationId}:${to}`, {
      replyId: randomUUID(),
      tenantId: tenantId as never,
      locationId: locationId as never,
      from: from as never,
      to: to as never,
      text: 'We can come at 3pm.',
      purpose: 'operator',
      requestedAt: new Date().toISOString(),
    });

  it('sends a burst to one sending number at the configured rate (2/s), every text in the end', async () => {
    const to = Array.from({ length: 6 }, customer);
    for (const n of to) await reply('burst-co', 'burst-main', '+14705550192', n);
    const sent = await eventually(
      () => {
        const ms = to.flatMap((n) => t.fake.sentTo(n).filter((m) => m.origin === 'api'));
        return ms.length === 6 ? ms : undefined;
      },
      { what: 'all six texts', timeoutMs: 20_000 },
    );
    const times = sent.map((m) => m.createdAt.getTime()).sort((a, b) => a - b);
    // Three 1-second windows are needed for six texts at two per second (the carrier's clock
    // sees each send a few milliseconds late, the first more so on a busy machine).
    expect(times[5]! - times[0]!).toBeGreaterThanOrEqual(1_800);
    // And never more than two inside one window (fixed windows: at most 2 × rate across an edge).
    for (let i = 0; i + 4 < times.length; i++)
      expect(times[i + 4]! - times[i]!).toBeGreaterThanOrEqual(900);
    process.stdout.write(
      `rate limit: 6 texts at 2/s from one number went out over ${times[5]! - times[0]!} ms\n`,
    );
  });

  it("holds sends past the brand's daily cap until the next local day, and sends them then", async () => {
    const to = [customer(), customer(), customer()];
    for (const n of to) await reply('capped-co', 'capped-main', '+14705550191', n);
    const held = await eventually(
      async () => {
        const { rows } = await t.db.query<{
          to_number: string;
          due_at: Date;
          error_reason: string;
        }>(
          `SELECT to_number, due_at, error_reason FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE location_id = 'capped-main' AND state = 'pending' AND error_reason LIKE 'brand%'`,
        );
        const accepted = to.filter((n) => t.fake.sentTo(n).some((m) => m.origin === 'api'));
        return rows.length === 1 && accepted.length === 2 ? rows[0] : undefined;
      },
      { what: 'two sent and one held', timeoutMs: 15_000 },
    );
    const midnight = DateTime.now().setZone('America/Los_Angeles').plus({ days: 1 }).startOf('day');
    expect(Math.abs(held.due_at.getTime() - midnight.toMillis())).toBeLessThan(5_000);
    expect(held.error_reason).toBe("brand's daily cap reached: held until the next local day");
    await new Promise((r) => setTimeout(r, 500));
    expect(t.fake.sentTo(held.to_number).filter((m) => m.origin === 'api')).toEqual([]);
    // The next local day: a fresh budget (its key is the new date), and the held send goes out.
    await t.db.query(
      `DELETE FROM ${t.schema('sms-dispatch')}.rate_limit WHERE key LIKE 'brand-day:%:capped-co:%'`,
    );
    await t.db.query(
      `UPDATE ${t.schema('sms-dispatch')}.outbound_sms SET due_at = now() WHERE location_id = 'capped-main' AND state = 'pending'`,
    );
    await eventually(() => t.fake.sentTo(held.to_number).some((m) => m.origin === 'api'), {
      what: 'the held text on the next day',
    });
  });
});
