import type { Browser, Page } from 'playwright-core';
import type { RunningService } from '@textback/service-kit';
import webpush from 'web-push';
import {
  eventually,
  startPushService,
  startSmtpServer,
  type RunningPushService,
  type RunningSmtpServer,
} from '@textback/testing';
import { launchChromium, startTestPlatform, type TestPlatform } from '../test-platform';

/**
 * The team inbox page in headless Chromium, desktop and phone-sized, on real Kafka with two
 * conversation replicas: each person sees only their locations; a draft survives a live update
 * pushed through the other replica; the team's actions; search, filters and paging past 200.
 */
describe('the team inbox page', () => {
  let t: TestPlatform;
  let replica: RunningService;
  let browser: Browser;
  let smtp: RunningSmtpServer;
  let push: RunningPushService;
  const eliPhone = '+14045559202';
  const north = '+14045550100';
  const south = '+14045550110';
  const password = (name: string) => `lantern harbor violet ${name.length * 7}`;
  const people: Record<string, { userId: string; authorization: string }> = {};

  async function signIn(name: string, base: string, viewport = { width: 1280, height: 800 }) {
    const page = await browser.newPage({ viewport });
    await page.goto(`${base}/inbox?tenant=cool-breeze-hvac`);
    await page.fill('#email', `${name}@cool-breeze.example`);
    await page.fill('#password', password(name));
    await page.click('#signin button[type=submit]');
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    await page.locator('#threads[data-loaded=true]').waitFor();
    return page;
  }
  const row = (page: Page, text: string) => page.locator('#threads button', { hasText: text });
  const texts = (from: string, to: string, text: string) =>
    t.fake.receiveFromCustomer({ from, to, text });
  async function threadOf(number: string) {
    const res = await fetch(
      `${t.url('conversation')}/v1/inbox/threads?tenantId=cool-breeze-hvac&q=${encodeURIComponent(number)}`,
      { headers: { authorization: people['bo']!.authorization } },
    );
    const { threads } = (await res.json()) as { threads: { threadId: string }[] };
    const id = threads[0]?.threadId ?? '';
    const one = await fetch(
      `${t.url('conversation')}/v1/inbox/threads/${id}?tenantId=cool-breeze-hvac`,
      { headers: { authorization: people['bo']!.authorization } },
    );
    return (await one.json()) as {
      thread: {
        assignedTo: string | null;
        closeOutcome: string | null;
        closeReason: string | null;
      };
      lead: { status: string; valueMinor: number | null } | null;
      notes: { body: string }[];
    };
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    push = await startPushService();
    const vapid = webpush.generateVAPIDKeys();
    t = await startTestPlatform({
      transport: 'kafka',
      name: 'teampage',
      env: {
        SMTP_URL: smtp.url,
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        ALERT_POLL_MS: '200',
      },
    });
    replica = await t.replica('conversation');
    for (const [name, role, locationIds] of [
      ['dana', 'operator', ['atlanta-north']],
      ['eli', 'operator', ['atlanta-north']],
      ['sam', 'operator', ['atlanta-south']],
      ['bo', 'brand-admin', undefined],
    ] as const)
      people[name] = await t.person({
        email: `${name}@cool-breeze.example`,
        role,
        password: password(name),
        ...(locationIds ? { locationIds: [...locationIds] } : {}),
        ...(name === 'eli' ? { phone: eliPhone } : {}),
      });
    const subscribed = await fetch(
      `${replica.url}/v1/inbox/push-subscriptions?tenantId=cool-breeze-hvac`,
      {
        method: 'POST',
        headers: {
          authorization: people['eli']!.authorization,
          'content-type': 'application/json',
        },
        body: JSON.stringify(push.subscribe()),
      },
    );
    expect(subscribed.status).toBe(204);
    const canned = await fetch(
      `${t.url('conversation')}/v1/inbox/canned-replies?tenantId=cool-breeze-hvac`,
      {
        method: 'POST',
        headers: { authorization: people['bo']!.authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Greeting',
          text: 'Hi {{customerName}}, this is {{agentName}} from {{business}}.',
        }),
      },
    );
    expect(canned.status).toBe(201);
    browser = await launchChromium();
    await texts('+14045558001', north, 'My AC stopped working');
    await texts('+14045558002', south, 'Need a quote for a heat pump');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await smtp?.stop();
    await push?.stop();
  });

  it('shows two operators of one location and one of another only their threads', async () => {
    const dana = await signIn('dana', t.url('conversation'));
    const eli = await signIn('eli', replica.url);
    const sam = await signIn('sam', t.url('conversation'));
    for (const page of [dana, eli]) {
      await row(page, '+14045558001').waitFor({ timeout: 15_000 });
      expect(await page.locator('#threads').textContent()).not.toContain('+14045558002');
    }
    await row(sam, '+14045558002').waitFor({ timeout: 15_000 });
    expect(await sam.locator('#threads').textContent()).not.toContain('+14045558001');
    expect(await row(dana, '+14045558001').textContent()).toContain('Atlanta North');
    expect(await sam.locator('#f-location option').allTextContents()).toEqual([
      'All locations',
      'Atlanta South',
    ]);
    await Promise.all([dana.close(), eli.close(), sam.close()]);
  });

  it('keeps a half-typed draft through a live update pushed by the other replica, and after a reload', async () => {
    const eli = await signIn('eli', replica.url);
    await row(eli, '+14045558001').click();
    await eli.fill('textarea[name=reply]', 'We can come Tuesday morning');
    await eli.locator('.draft-state', { hasText: 'Draft saved' }).waitFor();
    // The customer's text arrives at the first replica's webhook; the page is on the second.
    await texts('+14045558001', north, 'Also the thermostat is blank');
    await eli
      .locator('.message.inbound', { hasText: 'Also the thermostat is blank' })
      .waitFor({ timeout: 15_000 });
    expect(await eli.inputValue('textarea[name=reply]')).toBe('We can come Tuesday morning');
    // Eli is told of it: a text from the platform's number, a push, a mail.
    await eventually(
      () =>
        t.fake
          .sentTo(eliPhone)
          .find((m) => m.from === '18885550100' && m.text.includes('thermostat is blank')),
      { what: "Eli's text from the platform number" },
    );
    await eventually(() => push.received.find((p) => p.payload.includes('thermostat is blank')), {
      what: "Eli's push, decrypted",
    });
    await eventually(() => smtp.messages.find((m) => m.text?.includes('thermostat is blank')), {
      what: "Eli's e-mail",
    });
    await eli.reload();
    await row(eli, '+14045558001').click();
    await eli.locator('.message.inbound', { hasText: 'thermostat' }).waitFor();
    expect(await eli.inputValue('textarea[name=reply]')).toBe('We can come Tuesday morning');
    await eli.close();
  });

  it('assigns, names, notes, sends a canned reply with its variables, books with a value and closes with a reason', async () => {
    const dana = await signIn('dana', t.url('conversation'));
    await row(dana, '+14045558001').click();
    await dana.fill('#customer-name', 'Maria');
    await dana.press('#customer-name', 'Tab');
    await dana.locator('#thread h2', { hasText: 'Maria' }).waitFor();
    await dana.selectOption('#assign', { label: 'eli' });
    await row(dana, '→ eli').waitFor();
    await dana.fill('textarea[name=note]', 'Gate code 4412');
    await dana.click('.note-form button[type=submit]');
    await dana.locator('.note', { hasText: 'Gate code 4412' }).waitFor();
    expect(await dana.locator('.note .meta').textContent()).toContain('dana');

    await dana.fill('textarea[name=reply]', '');
    await dana.selectOption('select[name=canned]', { label: 'Greeting' });
    await eventually(
      async () =>
        (await dana.inputValue('textarea[name=reply]')) ===
          'Hi Maria, this is dana from Cool Breeze Heating & Air.' || undefined,
      { what: 'the canned reply filled in' },
    );
    await dana.click('.reply button[type=submit]');
    await dana
      .locator('.message.outbound', { hasText: 'Hi Maria, this is dana' })
      .locator('.author', { hasText: 'dana' })
      .waitFor({ timeout: 15_000 });
    await eventually(
      () => t.fake.sentTo('+14045558001').find((m) => m.text.startsWith('Hi Maria, this is dana')),
      { what: 'the canned reply at the carrier' },
    );

    await dana.fill('#book-amount', '249.50');
    await dana.click('#book');
    await dana.locator('#thread .meta', { hasText: 'lead booked' }).waitFor();
    await dana.selectOption('#close-outcome', 'won');
    await dana.fill('#close-reason', 'Repair booked for Tuesday');
    await dana.click('#close');
    await dana
      .locator('#thread .meta', { hasText: 'closed won: Repair booked for Tuesday' })
      .waitFor();
    const seen = await threadOf('+14045558001');
    expect(seen.thread).toMatchObject({
      assignedTo: people['eli']!.userId,
      closeOutcome: 'won',
      closeReason: 'Repair booked for Tuesday',
    });
    expect(seen.lead).toMatchObject({ status: 'booked', valueMinor: 24950 });
    expect(seen.notes.map((n) => n.body)).toEqual(['Gate code 4412']);
    expect(t.fake.sentTo('+14045558001').map((m) => m.text)).not.toContain('Gate code 4412');
    await dana.close();
  });

  it('searches, filters and pages past 200 threads', async () => {
    await t.db.query(
      `INSERT INTO ${t.schema('conversation')}.thread (thread_id, tenant_id, location_id, customer_number, last_message_at)
       SELECT gen_random_uuid(), 'cool-breeze-hvac', 'marietta', '+1770666' || lpad(i::text, 4, '0'), now() - interval '1 day' - i * interval '1 second'
       FROM generate_series(1, 230) AS i`,
    );
    await texts('+14045558003', north, 'I smell gas in the kitchen');
    const bo = await signIn('bo', t.url('conversation'));
    await bo.selectOption('#f-location', { label: 'Marietta' });
    await eventually(
      async () => (await bo.locator('#threads button').count()) === 50 || undefined,
      {
        what: 'the first page of 50',
      },
    );
    while (await bo.locator('#more').isVisible()) {
      const before = await bo.locator('#threads button').count();
      await bo.click('#more');
      await eventually(
        async () => (await bo.locator('#threads button').count()) > before || undefined,
        { what: 'the next page' },
      );
    }
    expect(await bo.locator('#threads button').count()).toBe(230);
    const shown = await bo.locator('#threads button strong').allTextContents();
    expect(new Set(shown).size).toBe(230);

    await bo.selectOption('#f-location', '');
    await bo.selectOption('#f-status', '');
    await bo.fill('#search', 'maria');
    await eventually(async () => (await bo.locator('#threads button').count()) === 1 || undefined, {
      what: 'the search by name',
    });
    await bo.fill('#search', '');
    // The list a filter settles on (a typed search re-queries after a pause).
    const settlesOn = (n: number, what: string) =>
      eventually(async () => (await bo.locator('#threads button').count()) === n || undefined, {
        what,
      });
    await bo.selectOption('#f-status', 'closed');
    await settlesOn(1, 'the closed threads');
    await row(bo, 'Maria').waitFor();
    await bo.selectOption('#f-status', 'open');
    await bo.check('#f-urgent');
    await settlesOn(1, 'the urgent threads');
    await row(bo, '+14045558003').waitFor({ timeout: 15_000 });
    await bo.uncheck('#f-urgent');
    await bo.selectOption('#f-assignee', 'me');
    await bo.locator('#threads .hint', { hasText: 'No conversations match.' }).waitFor();
    await bo.selectOption('#f-assignee', 'none');
    await bo.selectOption('#f-order', 'waiting');
    // Settled on the waiting threads (the list before it held these two and the 230 others).
    await settlesOn(2, 'the threads waiting for an answer');
    const waiting = await bo.locator('#threads button strong').allTextContents();
    expect(waiting).toEqual(['+14045558002', '+14045558003']); // longest waiting first
    await bo.close();
  });

  it('works at phone width: the list, then the conversation with its reply box, then back', async () => {
    const dana = await signIn('dana', t.url('conversation'), { width: 390, height: 844 });
    await dana.selectOption('#f-status', '');
    await row(dana, '+14045558003').click();
    await dana.locator('textarea[name=reply]').waitFor({ state: 'visible' });
    expect(await dana.locator('#list-pane').isVisible()).toBe(false);
    const box = await dana.locator('textarea[name=reply]').boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    await dana.fill('textarea[name=reply]', 'A technician is on the way. Leave the house now.');
    await dana.click('.reply button[type=submit]');
    await dana
      .locator('.message.outbound', { hasText: 'A technician is on the way' })
      .waitFor({ timeout: 15_000 });
    await dana.screenshot({ path: `${process.cwd()}/.cache/inbox-phone.png`, fullPage: true });
    await dana.click('#back');
    await dana.locator('#list-pane').waitFor({ state: 'visible' });
    expect(await dana.locator('#thread').isVisible()).toBe(false);
    await dana.close();
  });
});
