import { createServer, type Server } from 'node:http';
import { DateTime } from 'luxon';
import { playCall, type FakeMessage } from '@textback/plivo-fake';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from '../test-platform';

interface ThreadView {
  thread: {
    threadId: string;
    urgent: boolean;
    automation: boolean;
    firstHumanReplyAt: string | null;
    followUpsAsked: number;
  };
  lead?: {
    status: string;
    serviceType: string | null;
    urgent: boolean;
    emergency: string | null;
    zip: string | null;
    requestedTime: string | null;
    valueMinor: number | null;
  };
  messages: {
    direction: string;
    author: string;
    purpose: string | null;
    body: string | null;
    status: string;
  }[];
}

/** Replies become leads and reach people: threads, qualification, emergencies, the inbox, on Kafka + PostgreSQL. */
describe('conversations and leads on Kafka + PostgreSQL', () => {
  let t: TestPlatform;
  let hookServer: Server;
  const hooks: unknown[] = [];
  const atlantaNorth = '+14045550100';
  const onCall = '+14045550178';
  let next = 4000 + Math.floor(Math.random() * 5000);
  const newCaller = (): string => `+1770555${String(next++).padStart(4, '0')}`;
  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };
  /** Zones spread around the clock: at any moment one of them is between 9:00 and 19:00. */
  const DAYTIME_ZONES = [
    'America/New_York',
    'America/Los_Angeles',
    'Pacific/Honolulu',
    'Asia/Tokyo',
    'Asia/Kolkata',
    'Europe/London',
  ];
  const daytime = { number: '+17705550133', zone: 'America/New_York' };

  beforeAll(async () => {
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        // What another connection sees when the webhook arrives: the alert's state must be committed by then (#11 item 12).
        const hook = JSON.parse(body) as { threadId?: string };
        void t.db
          .query<{ on_call_notified_at: Date | null }>(
            `SELECT on_call_notified_at FROM ${t.schema('conversation')}.thread WHERE thread_id = $1`,
            [hook.threadId],
          )
          .then(({ rows }) =>
            hooks.push({ ...hook, committedWhenCalled: rows[0]?.on_call_notified_at != null }),
          )
          .finally(() => res.end());
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
    t = await startTestPlatform({ transport: 'kafka', name: 'conversation' });
    admin.authorization = await t.adminAuthorization();
    // Follow-up questions keep the law's quiet hours (8:00–21:00 in the customer's zone). So that
    // the tests asking them hold at any hour CI runs, they use a location whose zone is in
    // daytime right now (these callers' area code has no zone of its own: the location's applies).
    daytime.zone = DAYTIME_ZONES.find((zone) => {
      const hour = DateTime.now().setZone(zone).hour;
      return hour >= 9 && hour < 19;
    })!;
    const created = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/locations/daytime`,
      {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({
          name: 'Daytime',
          businessNumbers: [daytime.number],
          forwardTo: '+17705550199',
          timezone: daytime.zone,
          textbackHours: 'always',
          afterHoursCall: 'forward',
        }),
      },
    );
    expect(created.status).toBe(201);
    for (const service of ['call-ingest', 'decision', 'sms-dispatch', 'conversation']) {
      await eventually(
        async () =>
          (
            await t.db.query(
              `SELECT 1 FROM ${t.schema(service)}.location_directory WHERE location_id = 'daytime'`,
            )
          ).rows.length > 0,
        { what: `${service} to know the daytime location` },
      );
    }
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await new Promise((r) => hookServer.close(r));
  });

  const textsTo = (n: string): FakeMessage[] => t.fake.sentTo(n);
  async function missedAndTexted(caller: string, to = atlantaNorth): Promise<void> {
    await playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to,
      scenario: 'missed',
    });
    await eventually(() => textsTo(caller).find((m) => m.status === 'delivered'), {
      what: `the text-back to ${caller}`,
    });
  }
  async function threadOf(caller: string): Promise<ThreadView> {
    // The thread is made when conversation consumes `sms.sent.v1`, a moment after the carrier
    // has the text.
    const row = await eventually(
      async () => {
        const list = (await (
          await fetch(
            `${t.url('conversation')}/v1/inbox/threads?tenantId=cool-breeze-hvac&limit=100`,
            {
              headers: admin,
            },
          )
        ).json()) as { threads: { threadId: string; customerNumber: string }[] };
        return list.threads.find((r) => r.customerNumber === caller);
      },
      { what: `the thread of ${caller}` },
    );
    return (await (
      await fetch(
        `${t.url('conversation')}/v1/inbox/threads/${row.threadId}?tenantId=cool-breeze-hvac`,
        { headers: admin },
      )
    ).json()) as ThreadView;
  }
  const until = <T>(
    what: string,
    check: (v: ThreadView) => T | undefined | false,
    caller: string,
  ) =>
    eventually(
      async () => {
        const v = await threadOf(caller).catch(() => undefined);
        return v ? check(v) : undefined;
      },
      { what },
    );

  it('qualifies "AC is out and it\'s 95 degrees, 30301, can someone come today?" as an urgent HVAC lead and alerts on-call', async () => {
    const caller = newCaller();
    await missedAndTexted(caller);
    const lead = await until('the lead', (v) => v.lead?.status === 'new' && v.lead, caller);
    expect(lead.status).toBe('new'); // a texted missed call is a lead even before any reply
    await t.fake.receiveFromCustomer({
      from: caller,
      to: atlantaNorth,
      text: "AC is out and it's 95 degrees, 30301, can someone come today?",
    });
    const qualified = await until(
      'qualification',
      (v) => v.lead?.status === 'qualified' && v,
      caller,
    );
    expect(qualified.lead).toMatchObject({
      serviceType: 'cooling',
      urgent: true,
      emergency: 'no-cooling-in-heat',
      zip: '30301',
    });
    expect(qualified.thread.urgent).toBe(true);
    const alert = await eventually(() => textsTo(onCall).find((m) => m.text.includes(caller)), {
      what: 'the on-call alert',
    });
    expect(alert.text).toContain('URGENT Cool Breeze Heating & Air Atlanta North');
    const told = await eventually(
      () => textsTo(caller).find((m) => m.text.includes('someone will call you shortly')),
      { what: 'the customer told help is coming' },
    );
    expect(told.from).toBe('14045550100');
    // Urgent threads come first in the inbox.
    const list = (await (
      await fetch(
        `${t.url('conversation')}/v1/inbox/threads?tenantId=cool-breeze-hvac&urgent=true`,
        { headers: admin },
      )
    ).json()) as { threads: { customerNumber: string }[] };
    expect(list.threads.map((r) => r.customerNumber)).toContain(caller);
  });

  it("reads a requested time in the location's zone, asking one question at a time", async () => {
    const caller = newCaller();
    await missedAndTexted(caller, daytime.number);
    await t.fake.receiveFromCustomer({
      from: caller,
      to: daytime.number,
      text: 'Looking for a furnace tune-up',
    });
    const asked = await until(
      'a follow-up question',
      (v) => v.messages.filter((m) => m.purpose === 'follow-up').length === 1 && v,
      caller,
    );
    expect(asked.messages.find((m) => m.purpose === 'follow-up')?.body).toBe(
      "What's the ZIP code where you need us?",
    );
    await t.fake.receiveFromCustomer({
      from: caller,
      to: daytime.number,
      text: '30305, tomorrow at 9am works',
    });
    const booked = await until(
      'the requested time',
      (v) => (v.lead?.requestedTime ? v.lead : undefined),
      caller,
    );
    const expected = DateTime.now()
      .setZone(daytime.zone)
      .plus({ days: 1 })
      .set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
    expect(new Date(booked.requestedTime!).toISOString()).toBe(expected.toUTC().toISO());
    expect(booked).toMatchObject({ status: 'qualified', serviceType: 'heating', zip: '30305' });
  });

  it('stops automatic questions once a person replies, and books the lead with its value', async () => {
    const caller = newCaller();
    await missedAndTexted(caller, daytime.number);
    const { thread } = await threadOf(caller);
    const reply = await fetch(
      `${t.url('conversation')}/v1/inbox/threads/${thread.threadId}/reply?tenantId=cool-breeze-hvac`,
      {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          text: 'Hi, Dana here from Cool Breeze. How can I help?',
        }),
      },
    );
    expect(reply.status).toBe(202);
    await eventually(
      () =>
        textsTo(caller).find((m) => m.text.startsWith('Hi, Dana here') && m.status === 'delivered'),
      { what: 'the human reply at the carrier' },
    );
    await t.fake.receiveFromCustomer({
      from: caller,
      to: daytime.number,
      text: 'My heat pump is making noise',
    });
    const after = await until(
      'the customer reply in the thread',
      (v) => v.messages.some((m) => m.body === 'My heat pump is making noise') && v,
      caller,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const settled = await threadOf(caller);
    expect(settled.thread.automation).toBe(false);
    expect(settled.thread.firstHumanReplyAt).not.toBeNull();
    expect(settled.messages.filter((m) => m.purpose === 'follow-up')).toEqual([]);
    expect(after.messages.map((m) => m.author)).toEqual(['automation', 'operator', 'customer']);

    const book = await fetch(
      `${t.url('conversation')}/v1/inbox/threads/${thread.threadId}/book?tenantId=cool-breeze-hvac`,
      {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ value: { amountMinor: 52000, currency: 'USD' } }),
      },
    );
    expect(book.status).toBe(201);
    const booked = await until('booked', (v) => v.lead?.status === 'booked' && v.lead, caller);
    expect(booked.valueMinor).toBe(52000);
    const published = await eventually(
      async () => {
        const { rows } = await t.db.query<{
          payload: { status: string; value?: { amountMinor: number } };
        }>(
          `SELECT payload FROM ${t.schema('conversation')}.outbox_message WHERE topic = 'lead.changed.v1' AND published_at IS NOT NULL AND payload->>'customerNumber' = $1 ORDER BY seq DESC LIMIT 1`,
          [caller],
        );
        return rows[0]?.payload.status === 'booked' ? rows[0] : undefined;
      },
      { what: 'lead.changed.v1 booked' },
    );
    expect(published.payload.value).toEqual({ amountMinor: 52000, currency: 'USD' });

    // The first human reply came before the customer's first message here: within every target.
    const times = (await (
      await fetch(`${t.url('conversation')}/v1/inbox/response-times?tenantId=cool-breeze-hvac`, {
        headers: admin,
      })
    ).json()) as { answered: number; within5m: number; within60m: number };
    expect(times.answered).toBeGreaterThanOrEqual(1);
    expect(times.within5m).toBeGreaterThanOrEqual(1);
    expect(times.within60m).toBeGreaterThanOrEqual(times.within5m);
  });

  it('closes a thread as lost', async () => {
    const caller = newCaller();
    await missedAndTexted(caller);
    const { thread } = await until('the thread with its lead', (v) => v.lead && v, caller);
    const closed = await fetch(
      `${t.url('conversation')}/v1/inbox/threads/${thread.threadId}/close?tenantId=cool-breeze-hvac`,
      { method: 'POST', headers: admin, body: JSON.stringify({ outcome: 'lost' }) },
    );
    expect(closed.status).toBe(204);
    const view = await threadOf(caller);
    expect(view.lead?.status).toBe('lost');
  });

  it('calls the on-call webhook of a location that has one', async () => {
    const port = (hookServer.address() as { port: number }).port;
    const put = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/locations/atlanta-south`,
      {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({
          name: 'Atlanta South',
          businessNumbers: ['+14045550110'],
          forwardTo: '+14045550191',
          timezone: 'America/New_York',
          onCallNumber: onCall,
          onCallWebhookUrl: `http://127.0.0.1:${port}/on-call`,
        }),
      },
    );
    expect(put.status).toBe(200);
    await eventually(
      async () => {
        const { rows } = await t.db.query<{ profile: { onCallWebhookUrl?: string } }>(
          `SELECT profile FROM ${t.schema('conversation')}.location_directory WHERE location_id = 'atlanta-south'`,
        );
        return rows[0]?.profile.onCallWebhookUrl !== undefined;
      },
      { what: 'conversation to see the webhook' },
    );
    const caller = newCaller();
    await missedAndTexted(caller, '+14045550110');
    await t.fake.receiveFromCustomer({
      from: caller,
      to: '+14045550110',
      text: 'I smell gas in the basement',
    });
    const hook = await eventually(
      () => hooks.find((h) => (h as { emergency?: string }).emergency === 'gas-smell'),
      { what: 'the webhook' },
    );
    expect(hook).toMatchObject({
      type: 'emergency',
      tenantId: 'cool-breeze-hvac',
      locationId: 'atlanta-south',
      committedWhenCalled: true,
    });
    // Once, even though the event's handling may be retried.
    await new Promise((r) => setTimeout(r, 500));
    expect(
      hooks.filter(
        (h) => (h as { threadId?: string }).threadId === (hook as { threadId?: string }).threadId,
      ),
    ).toHaveLength(1);
  });
});
