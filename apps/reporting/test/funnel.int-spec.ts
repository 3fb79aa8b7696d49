import { DateTime } from 'luxon';
import { playCall, type CallScenario } from '@textback/plivo-fake';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from '../../platform/test/test-platform';

interface SimulatedCall {
  caller: string;
  to: string;
  scenario: CallScenario;
  spam: boolean;
  reply?: 'qualifying' | 'chat';
  bookedValue?: number;
}

/**
 * Simulated traffic across locations, with replies and bookings; the reporting API's funnel must
 * equal what this test computes from the same inputs, independently of the platform.
 */
describe('the reporting funnel', () => {
  let t: TestPlatform;
  const admin = { authorization: `Bearer ${secrets.ADMIN_API_KEY}`, 'content-type': 'application/json' };
  const numbers = ['+14045550100', '+14045550110', '+17705550120'];

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'funnel' });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('counts calls, decisions, texts, leads, bookings and revenue exactly', async () => {
    const scenarios: CallScenario[] = ['missed', 'busy', 'abandoned', 'voicemail', 'answered'];
    const calls: SimulatedCall[] = Array.from({ length: 60 }, (_, i) => {
      const spam = i % 15 === 7 && i % 3 !== 2; // spam lists exist at the two Atlanta locations
      const scenario = scenarios[i % scenarios.length]!;
      const texted = scenario !== 'answered' && !spam;
      return {
        caller: spam ? '+14045550666' : `+1678555${String(6000 + i).padStart(4, '0')}`,
        to: numbers[i % 3]!,
        scenario,
        spam,
        ...(texted && i % 4 === 0 ? { reply: 'qualifying' as const } : texted && i % 4 === 1 ? { reply: 'chat' as const } : {}),
        ...(texted && i % 8 === 0 ? { bookedValue: 20_000 + i * 100 } : {}),
      };
    });

    // The spam number calls one location at a time: the dedupe window must not hide it.
    for (const c of calls) {
      await playCall({ answerUrl: t.app().answer_url, hangupUrl: t.app().hangup_url, authToken: secrets.PLIVO_AUTH_TOKEN, from: c.caller, to: c.to, scenario: c.scenario });
    }
    const texted = calls.filter((c) => c.scenario !== 'answered' && !c.spam);
    await eventually(() => texted.every((c) => t.fake.sentTo(c.caller).some((m) => m.status === 'delivered')), { what: 'every text-back delivered', timeoutMs: 60_000 });
    for (const c of texted.filter((x) => x.reply)) {
      await t.fake.receiveFromCustomer({ from: c.caller, to: c.to, text: c.reply === 'qualifying' ? 'Need AC repair, 30305' : 'hello?' });
    }
    for (const c of texted.filter((x) => x.bookedValue !== undefined)) {
      const thread = await eventually(async () => {
        const list = (await (await fetch(`${t.url('conversation')}/v1/inbox/threads?tenantId=cool-breeze-hvac`, { headers: admin })).json()) as { thread_id: string; customer_number: string; location_id: string }[];
        return list.find((r) => r.customer_number === c.caller);
      }, { what: `the thread of ${c.caller}` });
      const res = await fetch(`${t.url('conversation')}/v1/inbox/threads/${thread.thread_id}/book`, { method: 'POST', headers: admin, body: JSON.stringify({ value: { amountMinor: c.bookedValue, currency: 'USD' } }) });
      expect(res.status).toBe(201);
    }

    // What the funnel must say, computed from the inputs alone.
    const expected = {
      calls_missed: calls.filter((c) => c.scenario !== 'answered').length,
      calls_answered: calls.filter((c) => c.scenario === 'answered').length,
      textbacks_requested: texted.length,
      'suppressed_call-answered': calls.filter((c) => c.scenario === 'answered').length,
      'suppressed_spam-caller': calls.filter((c) => c.spam && c.scenario !== 'answered').length,
      textbacks_sent: texted.length,
      textbacks_delivered: texted.length,
      leads: texted.length,
      leads_engaged: texted.filter((c) => c.reply || c.bookedValue !== undefined).length,
      leads_qualified: texted.filter((c) => c.reply === 'qualifying' || c.bookedValue !== undefined).length,
      leads_booked: texted.filter((c) => c.bookedValue !== undefined).length,
      revenue_minor: texted.reduce((sum, c) => sum + (c.bookedValue ?? 0), 0),
    };
    const today = DateTime.now().setZone('America/New_York');
    const from = today.minus({ days: 1 }).toISODate();
    const to = today.plus({ days: 1 }).toISODate();
    const pick = (totals: Record<string, number>) => Object.fromEntries(Object.keys(expected).map((k) => [k, totals[k] ?? 0]));
    const report = await eventually(async () => {
      const res = await fetch(`${t.url('reporting')}/v1/reports/funnel?tenantId=cool-breeze-hvac&from=${from}&to=${to}`, { headers: admin });
      const body = (await res.json()) as { totals: Record<string, number>; byLocation: Record<string, Record<string, number>> };
      return JSON.stringify(pick(body.totals)) === JSON.stringify(expected) ? body : undefined;
    }, { what: 'the funnel to match', timeoutMs: 60_000 }).catch(async (err: unknown) => {
      const res = await fetch(`${t.url('reporting')}/v1/reports/funnel?tenantId=cool-breeze-hvac&from=${from}&to=${to}`, { headers: admin });
      const body = (await res.json()) as { totals: Record<string, number> };
      expect(pick(body.totals)).toEqual(expected);
      throw err;
    });
    expect(pick(report.totals)).toEqual(expected);
    // ROI: message cost from the segments the carrier billed, the subscription prorated over the range.
    const segments = [...t.fake.messages.values()].filter((m) => m.origin === 'api' && ['14045550100', '14045550110', '17705550120'].includes(m.from)).reduce((n, m) => n + m.units, 0);
    const messageCostMinor = Math.round((segments * 5_500) / 10_000);
    const subscriptionMinor = Math.round((29_900 * 3) / 30); // 3 days at $299/month (seed)
    const withRoi = (await (await fetch(`${t.url('reporting')}/v1/reports/funnel?tenantId=cool-breeze-hvac&from=${from}&to=${to}`, { headers: admin })).json()) as { roi: Record<string, unknown> };
    const cost = messageCostMinor + subscriptionMinor;
    expect(withRoi.roi).toMatchObject({ currency: 'USD', revenueMinor: expected.revenue_minor, messageCostMinor, subscriptionMinor, costMinor: cost, roi: Math.round(((expected.revenue_minor - cost) / cost) * 100) / 100 });
    const csv = await (await fetch(`${t.url('reporting')}/v1/reports/funnel?tenantId=cool-breeze-hvac&from=${from}&to=${to}&format=csv`, { headers: admin })).text();
    const [header, ...lines] = csv.trim().split('\n');
    const columns = header!.split(',');
    expect(columns.slice(0, 2)).toEqual(['day', 'location']);
    const missedColumn = columns.indexOf('calls_missed');
    expect(lines.reduce((n, l) => n + Number(l.split(',')[missedColumn]), 0)).toBe(expected.calls_missed);

    // By location, the same counts split as the calls were.
    const byNumber = (n: string) => calls.filter((c) => c.to === n && c.scenario !== 'answered').length;
    expect(report.byLocation['marietta']?.['calls_missed']).toBe(byNumber('+17705550120'));
    expect(report.byLocation['atlanta-north']?.['calls_missed']).toBe(byNumber('+14045550100'));
  });
});
