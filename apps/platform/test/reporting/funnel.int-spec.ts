import { DateTime } from 'luxon';
import { startReporting } from '@textback/reporting';
import { parseDial, playCall, type CallScenario } from '@textback/plivo-fake';
import type { RunningService } from '@textback/service-kit';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from '../test-platform';

interface SimulatedCall {
  callId?: string;
  tenantId: string;
  locationId: string;
  caller: string;
  to: string;
  scenario: CallScenario;
  /** Whether the business picked up: an "answered" call after hours at a location that announces instead of forwarding was never put through. */
  answered?: boolean;
  spam: boolean;
  reply?: 'qualifying' | 'chat';
  /** A person answers the customer's reply from the inbox. */
  operatorReply?: boolean;
  /** Booked, with this value or (null) without one: the location's average ticket counts. */
  booked?: number | null;
}

interface Timing {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}
interface FunnelBody {
  totals: Record<string, number>;
  byLocation: Record<string, Record<string, number>>;
  series: { period: string; metrics: Record<string, number> }[];
  timings: {
    timeToText: Timing;
    timeToFirstHumanReply: Timing &
      Record<'within5m' | 'within15m' | 'within60m' | 'sameDay', number>;
  };
  roi: Record<string, unknown>;
}
interface CallItem {
  callId: string;
  locationId: string;
  textback: string;
  whyNot: string | null;
  secondsToText: number | null;
  replied: boolean;
  secondsToHumanReply: number | null;
  leadStatus: string | null;
  leadValueMinor: number | null;
  threadId: string | null;
  threadUrl: string | null;
  caller: string | null;
}

const LOCATIONS = [
  {
    tenantId: 'cool-breeze-hvac',
    locationId: 'atlanta-north',
    number: '+14045550100',
    averageTicket: 45_000,
    spamList: true,
  },
  {
    tenantId: 'cool-breeze-hvac',
    locationId: 'atlanta-south',
    number: '+14045550110',
    averageTicket: 45_000,
    spamList: true,
  },
  {
    tenantId: 'cool-breeze-hvac',
    locationId: 'marietta',
    number: '+17705550120',
    averageTicket: 38_000,
    spamList: false,
  },
  {
    tenantId: 'bright-smile-dental',
    locationId: 'denver-downtown',
    number: '+13035550130',
    averageTicket: 22_000,
    spamList: false,
  },
  {
    tenantId: 'bright-smile-dental',
    locationId: 'phoenix-central',
    number: '+16025550140',
    averageTicket: 22_000,
    spamList: false,
  },
] as const;

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * The issue's done-when: a few hundred simulated calls across two tenants' locations, with
 * replies, operator answers and bookings; the reporting API's funnel, ROI, timings and calls
 * list must equal what this test computes from the same inputs, independently of the platform.
 * Then a second reporting instance replays every topic from the start into an empty schema and
 * must say exactly the same.
 */
describe('the reporting funnel after a few hundred calls', () => {
  let t: TestPlatform;
  let rebuilt: RunningService | undefined;
  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };
  const today = DateTime.now().setZone('America/New_York');
  const from = today.minus({ days: 1 }).toISODate();
  const to = today.plus({ days: 1 }).toISODate();

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'funnel' });
    admin.authorization = await t.adminAuthorization();
  }, 120_000);

  afterAll(async () => {
    await rebuilt?.stop();
    await t?.stop();
  });

  const get = async <T>(base: string, path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`, { headers: admin });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const allCalls = async (base: string, tenantId: string): Promise<CallItem[]> => {
    const items: CallItem[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: CallItem[]; nextCursor: string | null } = await get(
        base,
        `/v1/reports/calls?tenantId=${tenantId}&from=${from}&to=${to}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };

  it('reports funnel, ROI, timings and calls exactly as computed from the inputs, and again after a rebuild', async () => {
    const scenarios: CallScenario[] = ['missed', 'busy', 'abandoned', 'voicemail', 'answered'];
    const calls: SimulatedCall[] = Array.from({ length: 300 }, (_, i) => {
      const location = LOCATIONS[i % LOCATIONS.length]!;
      const scenario = scenarios[Math.floor(i / LOCATIONS.length) % scenarios.length]!;
      const spam = location.spamList && i % 17 === 3;
      const texted = scenario !== 'answered' && !spam;
      const reply =
        texted && i % 4 === 0
          ? location.tenantId === 'cool-breeze-hvac'
            ? ('qualifying' as const)
            : ('chat' as const)
          : texted && i % 4 === 1
            ? ('chat' as const)
            : undefined;
      return {
        tenantId: location.tenantId,
        locationId: location.locationId,
        caller: spam ? '+14045550666' : `+1678555${String(6000 + i).padStart(4, '0')}`,
        to: location.number,
        scenario,
        spam,
        ...(reply ? { reply } : {}),
        ...(reply && i % 3 === 0 ? { operatorReply: true } : {}),
        ...(texted && i % 8 === 0
          ? { booked: 20_000 + i * 100 }
          : texted && i % 8 === 1
            ? { booked: null }
            : {}),
      };
    });

    for (const c of calls) {
      const played = await playCall({
        answerUrl: t.app().answer_url,
        hangupUrl: t.app().hangup_url,
        authToken: secrets.PLIVO_AUTH_TOKEN,
        from: c.caller,
        to: c.to,
        scenario: c.scenario,
      });
      c.callId = played.callUuid;
      c.answered = c.scenario === 'answered' && parseDial(played.answerXml) !== undefined;
    }
    const texted = calls.filter((c) => !c.answered && !c.spam);
    await eventually(
      () => texted.every((c) => t.fake.sentTo(c.caller).some((m) => m.status === 'delivered')),
      { what: 'every text-back delivered', timeoutMs: 90_000 },
    );
    for (const c of texted.filter((x) => x.reply)) {
      await t.fake.receiveFromCustomer({
        from: c.caller,
        to: c.to,
        text: c.reply === 'qualifying' ? 'Need AC repair, 30305' : 'hello?',
      });
    }
    const threadOf = (c: SimulatedCall): Promise<string> =>
      eventually(
        async () => {
          const { rows } = await t.db.query<{ thread_id: string }>(
            `SELECT thread_id FROM ${t.schema('conversation')}.thread WHERE customer_number = $1 AND location_id = $2`,
            [c.caller, c.locationId],
          );
          return rows[0]?.thread_id;
        },
        { what: `the thread of ${c.caller}` },
      );
    for (const c of texted.filter((x) => x.operatorReply)) {
      // The customer's message must be in the thread before a person answers it.
      const thread = await threadOf(c);
      await eventually(
        async () => {
          const { rows } = await t.db.query(
            `SELECT 1 FROM ${t.schema('conversation')}.thread_message WHERE thread_id = $1 AND direction = 'inbound'`,
            [thread],
          );
          return rows.length > 0;
        },
        { what: `the reply of ${c.caller} in its thread` },
      );
      const res = await fetch(
        `${t.url('conversation')}/v1/inbox/threads/${thread}/reply?tenantId=${c.tenantId}`,
        {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ text: 'Hi, Dana here. When suits you?' }),
        },
      );
      expect(res.status).toBe(202);
    }
    for (const c of texted.filter((x) => x.booked !== undefined)) {
      const thread = await threadOf(c);
      const body = c.booked === null ? {} : { value: { amountMinor: c.booked, currency: 'USD' } };
      const res = await fetch(
        `${t.url('conversation')}/v1/inbox/threads/${thread}/book?tenantId=${c.tenantId}`,
        {
          method: 'POST',
          headers: admin,
          body: JSON.stringify(body),
        },
      );
      expect(res.status).toBe(201);
    }

    // What the funnel must say, per tenant, computed from the inputs alone.
    const expectedOf = (subset: SimulatedCall[]) => {
      const txt = subset.filter((c) => !c.answered && !c.spam);
      return {
        calls_missed: subset.filter((c) => !c.answered).length,
        calls_answered: subset.filter((c) => c.answered).length,
        textbacks_requested: txt.length,
        'suppressed_call-answered': subset.filter((c) => c.answered).length,
        'suppressed_spam-caller': subset.filter((c) => c.spam && !c.answered).length,
        textbacks_sent: txt.length,
        textbacks_delivered: txt.length,
        textbacks_replied: txt.filter((c) => c.reply).length,
        // The text-backs' own funnel: of the callers who replied, qualified (or booked), then booked.
        textbacks_qualified: txt.filter(
          (c) => c.reply && (c.reply === 'qualifying' || c.booked !== undefined),
        ).length,
        textbacks_booked: txt.filter((c) => c.reply && c.booked !== undefined).length,
        leads: txt.length,
        leads_engaged: txt.filter((c) => c.reply || c.booked !== undefined).length,
        leads_qualified: txt.filter((c) => c.reply === 'qualifying' || c.booked !== undefined)
          .length,
        leads_booked: txt.filter((c) => c.booked !== undefined).length,
        revenue_minor: txt.reduce(
          (sum, c) =>
            sum +
            (c.booked === undefined
              ? 0
              : (c.booked ?? LOCATIONS.find((l) => l.locationId === c.locationId)!.averageTicket)),
          0,
        ),
      };
    };
    const pick = (totals: Record<string, number>, keys: string[]) =>
      Object.fromEntries(keys.map((k) => [k, totals[k] ?? 0]));
    const funnelPath = (tenantId: string, extra = '') =>
      `/v1/reports/funnel?tenantId=${tenantId}&from=${from}&to=${to}${extra}`;
    for (const tenantId of ['cool-breeze-hvac', 'bright-smile-dental']) {
      const expected = expectedOf(calls.filter((c) => c.tenantId === tenantId));
      const keys = Object.keys(expected);
      await eventually(
        async () => {
          const body = await get<FunnelBody>(t.url('reporting'), funnelPath(tenantId));
          return JSON.stringify(pick(body.totals, keys)) === JSON.stringify(expected)
            ? body
            : undefined;
        },
        { what: `the ${tenantId} funnel to match`, timeoutMs: 60_000 },
      ).catch(async (err: unknown) => {
        const body = await get<FunnelBody>(t.url('reporting'), funnelPath(tenantId));
        expect(pick(body.totals, keys)).toEqual(expected);
        throw err;
      });
      const report = await get<FunnelBody>(t.url('reporting'), funnelPath(tenantId));
      // By location, the same counts split as the calls were.
      for (const l of LOCATIONS.filter((x) => x.tenantId === tenantId)) {
        expect(pick(report.byLocation[l.locationId] ?? {}, keys)).toEqual(
          expectedOf(calls.filter((c) => c.locationId === l.locationId)),
        );
      }
      // The series adds up to the totals, by week as by day.
      for (const interval of ['day', 'week', 'month']) {
        const series = (
          await get<FunnelBody>(t.url('reporting'), funnelPath(tenantId, `&interval=${interval}`))
        ).series;
        expect(series.reduce((n, s) => n + (s.metrics['calls_missed'] ?? 0), 0)).toBe(
          expected.calls_missed,
        );
      }
    }

    // ROI: message cost from the segments the carrier billed for this tenant, the subscription prorated.
    const coolNumbers = ['14045550100', '14045550110', '17705550120'];
    const segments = [...t.fake.messages.values()]
      .filter((m) => m.origin === 'api' && coolNumbers.includes(m.from))
      .reduce((n, m) => n + m.units, 0);
    const cool = expectedOf(calls.filter((c) => c.tenantId === 'cool-breeze-hvac'));
    const messageCostMinor = Math.round((segments * 5_500) / 10_000);
    const subscriptionMinor = Math.round((29_900 * 3) / 30); // 3 days at $299/month (seed)
    const cost = messageCostMinor + subscriptionMinor;
    const report = await get<FunnelBody>(t.url('reporting'), funnelPath('cool-breeze-hvac'));
    expect(report.roi).toMatchObject({
      currency: 'USD',
      revenueMinor: cool.revenue_minor,
      messageCostMinor,
      subscriptionMinor,
      costMinor: cost,
      roi: Math.round(((cool.revenue_minor - cost) / cost) * 100) / 100,
    });

    // The calls list: every call once (paged), texted or why not, its thread, its timings.
    const coolCalls = calls.filter((c) => c.tenantId === 'cool-breeze-hvac');
    const listed = await eventually(
      async () => {
        const items = await allCalls(t.url('reporting'), 'cool-breeze-hvac');
        const settled =
          items.length === coolCalls.length &&
          items.every((i) =>
            i.textback === 'texted' ? i.secondsToText !== null : i.textback === 'suppressed',
          );
        const humanReplies = items.filter((i) => i.secondsToHumanReply !== null).length;
        return settled && humanReplies === coolCalls.filter((c) => c.operatorReply).length
          ? items
          : undefined;
      },
      { what: 'the calls list to settle', timeoutMs: 30_000 },
    );
    expect(new Set(listed.map((i) => i.callId)).size).toBe(coolCalls.length);
    for (const c of coolCalls) {
      const item = listed.find((i) => i.callId === c.callId);
      expect(item).toMatchObject({
        locationId: c.locationId,
        textback: c.answered || c.spam ? 'suppressed' : 'texted',
        whyNot: c.answered ? 'call-answered' : c.spam ? 'spam-caller' : null,
        replied: Boolean(c.reply),
        leadStatus:
          c.booked !== undefined
            ? 'booked'
            : c.reply === 'qualifying'
              ? 'qualified'
              : c.reply
                ? 'engaged'
                : c.answered || c.spam
                  ? null
                  : 'new',
      });
      expect(item?.caller).not.toBe(c.caller); // masked
      if (item?.textback === 'texted') {
        expect(item.threadUrl).toBe(
          `${t.url('conversation')}/inbox?tenant=cool-breeze-hvac&thread=${item.threadId}`,
        );
        expect(item.secondsToText).toBeGreaterThanOrEqual(0);
        expect(item.secondsToText).toBeLessThan(60);
      }
      expect(item?.secondsToHumanReply !== null).toBe(Boolean(c.operatorReply));
      if (c.booked !== undefined) expect(item?.leadValueMinor).toBe(c.booked);
    }
    // The percentiles are the calls' own timings, summarised.
    const toText = listed.flatMap((i) => (i.secondsToText === null ? [] : [i.secondsToText]));
    const toHuman = listed.flatMap((i) =>
      i.secondsToHumanReply === null ? [] : [i.secondsToHumanReply],
    );
    const timings = (await get<FunnelBody>(t.url('reporting'), funnelPath('cool-breeze-hvac')))
      .timings;
    expect(timings.timeToText.count).toBe(cool.textbacks_sent);
    expect(timings.timeToFirstHumanReply.count).toBe(
      coolCalls.filter((c) => c.operatorReply).length,
    );
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const q = { p50: 0.5, p95: 0.95, p99: 0.99 }[p];
      expect(timings.timeToText[p]).toBeCloseTo(percentileCont(toText, q)!, 2);
      expect(timings.timeToFirstHumanReply[p]).toBeCloseTo(percentileCont(toHuman, q)!, 2);
    }
    // The first-reply buckets: 5 / 15 / 60 minutes and the same day (the replies came at once).
    const within = (s: number) => toHuman.filter((x) => x <= s).length;
    expect(timings.timeToFirstHumanReply).toMatchObject({
      within5m: within(300),
      within15m: within(900),
      within60m: within(3600),
      sameDay: toHuman.length,
    });

    // CSV: the same calls, one per line.
    const csv = await (
      await fetch(
        `${t.url('reporting')}/v1/reports/calls?tenantId=cool-breeze-hvac&from=${from}&to=${to}&format=csv`,
        { headers: admin },
      )
    ).text();
    const [header, ...lines] = csv.trim().split('\n');
    expect(header?.split(',').slice(0, 3)).toEqual(['callId', 'day', 'endedAt']);
    expect(lines).toHaveLength(coolCalls.length);

    // A rebuild: a new consumer group replays every topic from the start into an empty schema.
    rebuilt = await startReporting(
      {
        ...t.env,
        EVENT_TRANSPORT: 'in-process',
        DATABASE_URL: process.env['DATABASE_URL'],
        DATABASE_SCHEMA: `${t.prefix}_reporting_rebuild`,
        HTTP_PORT: '0',
        CONSUMER_GROUP_ID: 'reporting-rebuild',
        INBOX_URL: `${t.url('conversation')}/inbox`,
        READ_MODEL_SETTLE_MS: '100',
        AUTH_JWKS_URL: `${t.url('gateway')}/.well-known/jwks.json`,
      },
      { inProcessBroker: t.platform.broker! },
    );
    // Both read models settle (the last replies' delivery reports may still be arriving): the
    // rebuilt one must equal the original as it then stands.
    const originalNow = () =>
      get<FunnelBody>(t.url('reporting'), funnelPath('cool-breeze-hvac', '&interval=week'));
    const rebuiltNow = () =>
      get<FunnelBody>(rebuilt!.url, funnelPath('cool-breeze-hvac', '&interval=week'));
    await eventually(
      async () => JSON.stringify(await rebuiltNow()) === JSON.stringify(await originalNow()),
      { what: 'the rebuilt funnel to equal the original', timeoutMs: 60_000 },
    ).catch(async (err: unknown) => {
      expect(await rebuiltNow()).toEqual(await originalNow());
      throw err;
    });
    expect(await allCalls(rebuilt.url, 'cool-breeze-hvac')).toEqual(listed);
  }, 300_000);
});
