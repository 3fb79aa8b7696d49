import webpush from 'web-push';
import {
  eventually,
  SettableClock,
  startPushService,
  startSmtpServer,
  type RunningPushService,
  type RunningSmtpServer,
  type TestSubscription,
} from '@textback/testing';
import { launchChromium, startTestPlatform, type TestPlatform } from '../test-platform';

/**
 * Staff told of a customer's message, and escalation while nobody answers: a text from the
 * platform's number (at the Plivo fake), a Web Push the test push service verifies and decrypts,
 * an e-mail at a real SMTP server; the next tier when the runtime clock passes the target.
 */
describe('staff alerts and escalation', () => {
  let t: TestPlatform;
  let smtp: RunningSmtpServer;
  let push: RunningPushService;
  let subscription: TestSubscription;
  const clock = new SettableClock(new Date('2026-12-07T15:00:00Z')); // 10:00 in Atlanta
  const who: Record<string, { userId: string; authorization: string }> = {};
  const phones = { dana: '+14045559101', eli: '+14045559102', lee: '+14045559103' };
  /** The deployment's own number (PLATFORM_SENDER_NUMBER), as the carrier records it. */
  const platformSender = '18885550100';
  const north = '+14045550100';

  async function call(
    person: string,
    path: string,
    init: { method?: string; body?: unknown } = {},
  ) {
    const url = new URL(`${t.url('conversation')}/v1/inbox${path}`);
    url.searchParams.set('tenantId', 'cool-breeze-hvac');
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { authorization: who[person]!.authorization, 'content-type': 'application/json' },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
    };
  }
  const textsTo = (phone: string) => t.fake.sentTo(phone).filter((m) => m.from === platformSender);
  const waitForPass = () => new Promise((r) => setTimeout(r, 400));

  beforeAll(async () => {
    smtp = await startSmtpServer();
    push = await startPushService();
    const vapid = webpush.generateVAPIDKeys();
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'staffalerts',
      clock,
      env: {
        SMTP_URL: smtp.url,
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:ops@textback.example',
        ALERT_POLL_MS: '100',
        CONVERSATION_TEXT_RETENTION_DAYS: '30',
        REDACTION_INTERVAL_MS: '1000',
      },
    });
    who['dana'] = await t.person({
      email: 'dana@cool-breeze.example',
      role: 'operator',
      locationIds: ['atlanta-north'],
      phone: phones.dana,
      password: 'copper lagoon whistle 9',
    });
    who['eli'] = await t.person({
      email: 'eli@cool-breeze.example',
      role: 'operator',
      locationIds: ['atlanta-north'],
      phone: phones.eli,
    });
    who['lee'] = await t.person({
      email: 'lee@cool-breeze.example',
      role: 'location-manager',
      locationIds: ['atlanta-north'],
      phone: phones.lee,
    });
    who['bo'] = await t.person({ email: 'bo@cool-breeze.example', role: 'brand-admin' });
    await eventually(
      async () =>
        ((await call('bo', '/team')).body as unknown as unknown[]).length >= 4 || undefined,
      { what: 'the team in conversation' },
    );
    subscription = push.subscribe();
    expect(
      (await call('dana', '/push-subscriptions', { method: 'POST', body: subscription })).status,
    ).toBe(204);
    // Eli works mornings only (his time): off shift, only urgent threads reach him.
    expect(
      (
        await call('eli', '/alert-settings', {
          method: 'PUT',
          body: {
            channels: ['sms'],
            timezone: 'America/New_York',
            shifts: { mon: [{ open: '06:00', close: '09:00' }] },
          },
        })
      ).status,
    ).toBe(204);
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await smtp?.stop();
    await push?.stop();
  });

  it("says how each person is reached, and refuses a push service the egress rules don't allow", async () => {
    const dana = (await call('dana', '/alert-settings')).body;
    expect(dana).toMatchObject({
      channels: ['sms', 'push', 'email'],
      reachable: { sms: true, email: true, push: 1 },
    });
    expect(typeof dana['vapidPublicKey']).toBe('string');
    const metadata = await call('dana', '/push-subscriptions', {
      method: 'POST',
      body: { ...subscription, endpoint: 'http://169.254.169.254/push/x' },
    });
    expect(metadata.status).toBe(400);
    expect(metadata.body['message']).toMatch(/^endpoint: .*link-?local/i);
  });

  it('tells the location’s operators at once by text, push and e-mail — not the off-shift one', async () => {
    const customer = '+14045557301';
    await t.fake.receiveFromCustomer({
      from: customer,
      to: north,
      text: 'Can someone look at my furnace this week?',
    });
    const sms = await eventually(() => textsTo(phones.dana)[0], { what: "Dana's text" });
    expect(sms.text).toMatch(
      /^A customer \(…7301\) texted Atlanta North: "Can someone look at my furnace this week\?"/,
    );
    expect(sms.text).not.toContain(customer);
    const pushed = await eventually(() => push.received[0], { what: "Dana's push" });
    expect(JSON.parse(pushed.payload)).toMatchObject({
      title: 'A customer (…7301) texted Atlanta North',
      url: expect.stringContaining('/inbox?tenant=cool-breeze-hvac&thread='),
    });
    expect(pushed.claims).toMatchObject({ aud: push.url, sub: 'mailto:ops@textback.example' });
    const mail = await eventually(() => smtp.messages.find((m) => m.subject?.includes('…7301')), {
      what: "Dana's e-mail",
    });
    expect(mail.to).toMatchObject({ text: 'dana@cool-breeze.example' });
    await waitForPass();
    expect(textsTo(phones.eli)).toEqual([]); // off shift
    expect(textsTo(phones.lee)).toEqual([]); // the next tier, not yet
    // Counted by channel and outcome, never by person.
    const metrics = await (await fetch(`${t.url('conversation')}/metrics`)).text();
    for (const channel of ['sms', 'push', 'email'])
      expect(metrics).toMatch(
        new RegExp(
          `conversation_staff_alerts_total\\{channel="${channel}",outcome="sent",[^}]*\\} [1-9]`,
        ),
      );
  });

  it('escalates to the location manager, then the brand, as the runtime clock passes the target; a reply ends it', async () => {
    const customer = '+14045557302';
    await t.fake.receiveFromCustomer({ from: customer, to: north, text: 'Hello? Anyone?' });
    await eventually(() => textsTo(phones.dana).find((m) => m.text.includes('…7302')), {
      what: 'the first alert',
    });
    clock.advance(5 * 60_000 + 1_000);
    const toLee = await eventually(
      () => textsTo(phones.lee).find((m) => m.text.includes('…7302')),
      { what: 'the manager alerted' },
    );
    expect(toLee.text).toContain('No reply for 5 min.');
    // Another message while they wait: everyone told so far hears of it; no new step.
    await t.fake.receiveFromCustomer({
      from: customer,
      to: north,
      text: 'Still waiting for a callback',
    });
    for (const phone of [phones.dana, phones.lee])
      await eventually(
        () => textsTo(phone).find((m) => m.text.includes('Still waiting for a callback')),
        {
          what: `the new message told to ${phone}`,
        },
      );
    clock.advance(5 * 60_000 + 1_000);
    await eventually(
      () =>
        smtp.messages.find(
          (m) => m.subject?.includes('…7302') && m.to && JSON.stringify(m.to).includes('bo@'),
        ),
      { what: 'the brand on-call e-mailed' },
    );

    const threadId = (await call('bo', `/threads?q=7302`)).body['threads'] as {
      threadId: string;
    }[];
    const view = (await call('bo', `/threads/${threadId[0]!.threadId}`)).body as {
      escalation: { tier: number }[];
    };
    expect(view.escalation.map((s) => s.tier)).toEqual([0, 1, 2]);

    // Dana answers; the customer writes again: the alerts start over at the team.
    await call('dana', `/threads/${threadId[0]!.threadId}/reply`, {
      method: 'POST',
      body: { text: 'Hi, Dana here. How can we help?' },
    });
    const before = textsTo(phones.dana).length;
    await t.fake.receiveFromCustomer({ from: customer, to: north, text: 'My AC is leaking' });
    // Assigned to Dana by her reply: only she is told.
    await eventually(() => textsTo(phones.dana).length > before || undefined, {
      what: 'Dana told of the new message',
    });
    await waitForPass();
    expect(textsTo(phones.lee).filter((m) => m.text.includes('AC is leaking'))).toEqual([]);
  });

  it('reaches an off-shift person for an urgent thread, and forgets a push subscription the service dropped', async () => {
    push.expire(subscription);
    await t.fake.receiveFromCustomer({
      from: '+14045557303',
      to: north,
      text: 'I smell gas in the house',
    });
    await eventually(() => textsTo(phones.eli).find((m) => m.text.startsWith('URGENT')), {
      what: 'the off-shift operator told of an emergency',
    });
    await eventually(
      async () =>
        ((await call('dana', '/alert-settings')).body['reachable'] as { push: number }).push ===
          0 || undefined,
      { what: 'the gone subscription removed' },
    );
  });

  it("honours a staff STOP to the platform number (and START), and never takes a staff reply for a customer's", async () => {
    const platformNumber = '+18885550100';
    await t.fake.receiveFromCustomer({ from: phones.lee, to: platformNumber, text: 'STOP' });
    await eventually(
      async () =>
        ((await call('lee', '/alert-settings')).body['reachable'] as { sms: boolean }).sms ===
          false || undefined,
      { what: "Lee's texts stopped" },
    );
    // A sign-in link by text is refused at send time too (sms-dispatch has the STOP).
    const reset = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/users/${who['lee']!.userId}/password-reset`,
      { method: 'POST', headers: { authorization: await t.adminAuthorization() } },
    );
    expect(reset.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(textsTo(phones.lee).filter((m) => m.text.includes('/settings?reset='))).toEqual([]);

    await t.fake.receiveFromCustomer({
      from: phones.dana,
      to: platformNumber,
      text: 'On it, calling them now',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(((await call('bo', '/threads?q=9101')).body['threads'] as unknown[]).length).toBe(0);

    await t.fake.receiveFromCustomer({ from: phones.lee, to: platformNumber, text: 'START' });
    await eventually(
      async () =>
        ((await call('lee', '/alert-settings')).body['reachable'] as { sms: boolean }).sms ||
        undefined,
      { what: "Lee's texts resumed" },
    );
    // Resumed: the same request now reaches the phone (so the first was stopped, not lost).
    await fetch(
      `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/users/${who['lee']!.userId}/password-reset`,
      { method: 'POST', headers: { authorization: await t.adminAuthorization() } },
    );
    await eventually(() => textsTo(phones.lee).find((m) => m.text.includes('/settings?reset=')), {
      what: 'the reset link texted after START',
    });
  });

  it('lets a person choose channels and a shift on the page, and offers push with the service worker', async () => {
    const worker = await fetch(`${t.url('conversation')}/inbox/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('service-worker-allowed')).toBe('/inbox');
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ permissions: ['notifications'] });
      const page = await context.newPage();
      await page.goto(`${t.url('conversation')}/inbox?tenant=cool-breeze-hvac`);
      await page.fill('#email', 'dana@cool-breeze.example');
      await page.fill('#password', 'copper lagoon whistle 9');
      await page.click('#signin button[type=submit]');
      await page.locator('#signed-in').waitFor({ state: 'visible' });
      await page.click('#alerts-button');
      await page.locator('#alerts-panel h2', { hasText: 'My alerts' }).waitFor();
      await page.uncheck('input[name=channel-email]');
      await page.check('#has-shift');
      await page.fill('#shift-from', '07:00');
      await page.fill('#shift-to', '15:00');
      for (const d of ['sat', 'sun']) await page.uncheck(`input[name=day-${d}]`);
      await page.click('#alerts-save');
      await page.locator('#alerts-status', { hasText: 'Saved.' }).waitFor();
      const saved = (await call('dana', '/alert-settings')).body;
      expect(saved['channels']).toEqual(['sms', 'push']);
      expect(saved['shifts']).toEqual(
        Object.fromEntries(
          ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ open: '07:00', close: '15:00' }]]),
        ),
      );
      // Headless Chromium reaches no vendor push service: the page says so instead of failing silently.
      await page.click('#push-enable');
      await page
        .locator('#alerts-status', { hasText: /^Push (not )?enabled/ })
        .waitFor({ timeout: 20_000 });
    } finally {
      await browser.close();
    }
  });

  // Last: it moves the clock a month on (every token above expires with it).
  it('removes what was written in a thread quiet past the retention period, and keeps the thread', async () => {
    const [row] = (await call('bo', '/threads?q=7301')).body['threads'] as { threadId: string }[];
    const id = row!.threadId;
    await call('dana', `/threads/${id}/notes`, {
      method: 'POST',
      body: { text: 'Gate code 4412' },
    });
    await call('dana', `/threads/${id}/customer-name`, {
      method: 'PUT',
      body: { customerName: 'Maria' },
    });
    await call('dana', `/threads/${id}/draft`, { method: 'PUT', body: { text: 'Hi Maria' } });
    const schema = t.schema('conversation');
    const left = async () =>
      (
        await t.db.query<{
          messages: number;
          notes: number;
          drafts: number;
          alerts: number;
          named: number;
        }>(
          `SELECT (SELECT count(*)::int FROM ${schema}.thread_message WHERE thread_id = $1 AND body IS NOT NULL) AS messages,
                  (SELECT count(*)::int FROM ${schema}.thread_note WHERE thread_id = $1 AND body LIKE '%4412%') AS notes,
                  (SELECT count(*)::int FROM ${schema}.thread_draft WHERE thread_id = $1) AS drafts,
                  (SELECT count(*)::int FROM ${schema}.inbox_alert WHERE thread_id = $1 AND body LIKE '%furnace%') AS alerts,
                  (SELECT count(*)::int FROM ${schema}.thread WHERE thread_id = $1 AND customer_name IS NOT NULL) AS named`,
          [id],
        )
      ).rows[0]!;
    expect(await left()).toMatchObject({ notes: 1, drafts: 1, named: 1 });
    expect((await left()).messages).toBeGreaterThan(0);
    expect((await left()).alerts).toBeGreaterThan(0);
    clock.advance(31 * 86_400_000);
    await eventually(
      async () => {
        const l = await left();
        return l.messages + l.notes + l.drafts + l.alerts + l.named === 0 || undefined;
      },
      { what: 'the quiet thread redacted' },
    );
    const kept = await t.db.query(
      `SELECT customer_number FROM ${schema}.thread WHERE thread_id = $1`,
      [id],
    );
    expect(kept.rows).toEqual([{ customer_number: '+14045557301' }]);
  });
});
