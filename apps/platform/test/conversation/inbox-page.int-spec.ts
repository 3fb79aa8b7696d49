import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { playCall } from '@textback/plivo-fake';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform, launchChromium } from '../test-platform';

/** The operator inbox page in headless Chromium (Debian's, driven by playwright-core). */
describe('the operator inbox page', () => {
  let t: TestPlatform;
  let browser: Browser;

  /** Dana, an operator of Atlanta North with a password and a second factor; Bo, a brand-admin. */
  const dana = {
    email: 'dana@cool-breeze.example',
    password: 'violet harbor lantern 42',
    totp: '',
  };
  const bo = { email: 'bo@cool-breeze.example', password: 'amber meadow compass 77' };

  const ids: Record<string, string> = {};
  async function person(email: string, role: string, password: string, extra: object = {}) {
    const made = await t.person({ email, role, password, ...extra });
    ids[email] = made.userId;
    return made.authorization;
  }

  /** Signs in through the page's form; with a second factor the page asks for the code. */
  async function signIn(page: Page, who: { email: string; password: string; totp?: string }) {
    await page.goto(`${t.url('conversation')}/inbox?tenant=cool-breeze-hvac`);
    await page.fill('#email', who.email);
    await page.fill('#password', who.password);
    await page.click('#signin button[type=submit]');
    if (who.totp) {
      await page.locator('#code-field').waitFor({ state: 'visible' });
      expect(await page.locator('#signin-error').textContent()).toMatch(/second factor required/);
      await page.fill('#password', who.password);
      const code = new TOTP({ secret: Secret.fromBase32(who.totp) }).generate();
      await page.fill('#code', code);
      await page.click('#signin button[type=submit]');
    }
    await page.locator('#signed-in').waitFor({ state: 'visible' });
  }

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'inboxpage' });
    const danaAuth = await person(dana.email, 'operator', dana.password, {
      locationIds: ['atlanta-north'],
    });
    const enrolled = await fetch(`${t.url('gateway')}/v1/auth/totp`, {
      method: 'POST',
      headers: { authorization: danaAuth },
    });
    dana.totp = ((await enrolled.json()) as { secret: string }).secret;
    const confirmed = await fetch(`${t.url('gateway')}/v1/auth/totp/confirm`, {
      method: 'POST',
      headers: { authorization: danaAuth, 'content-type': 'application/json' },
      body: JSON.stringify({
        // The previous step's code: the current one stays unused for the page's sign-in.
        code: new TOTP({ secret: Secret.fromBase32(dana.totp) }).generate({
          timestamp: Date.now() - 30_000,
        }),
      }),
    });
    expect(confirmed.status).toBe(204);
    await person(bo.email, 'brand-admin', bo.password);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows a thread made by a missed call, marks urgent ones, and sends a reply that reaches the carrier', async () => {
    const caller = '+14045556677';
    const urgentCaller = '+14045556678';
    for (const from of [caller, urgentCaller]) {
      await playCall({
        answerUrl: t.app().answer_url,
        hangupUrl: t.app().hangup_url,
        authToken: secrets.PLIVO_AUTH_TOKEN,
        from,
        to: '+14045550100',
        scenario: 'missed',
      });
      await eventually(() => t.fake.sentTo(from).find((m) => m.status === 'delivered'), {
        what: `the text-back to ${from}`,
      });
    }
    await t.fake.receiveFromCustomer({
      from: urgentCaller,
      to: '+14045550100',
      text: 'I smell gas in the basement',
    });

    const page = await browser.newPage();
    await signIn(page, dana); // email, password, then the code the page asks for
    const urgentRow = page.locator('#threads button.urgent', { hasText: urgentCaller });
    await urgentRow.waitFor({ timeout: 15_000 });
    expect(await urgentRow.locator('.badge').textContent()).toBe('urgent');

    await page.locator('#threads button', { hasText: caller }).click();
    await page.locator('.message.outbound', { hasText: 'Cool Breeze Heating & Air' }).waitFor();
    await page.fill('textarea[name=reply]', 'Hi, this is Dana. We can come by at 2pm today.');
    await page.click('.reply button[type=submit]');
    await page
      .locator('.message.outbound', { hasText: 'We can come by at 2pm today' })
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: `${process.cwd()}/.cache/inbox-page.png` });

    const reply = await eventually(
      () =>
        t.fake
          .sentTo(caller)
          .find((m) => m.text === 'Hi, this is Dana. We can come by at 2pm today.'),
      { what: 'the reply at the carrier' },
    );
    expect(reply.from).toBe('14045550100');
    await page.close();
  });

  it('shows a reply refused at send time (the customer opted out) with its reason, and says when a linked thread does not exist (#11 item 18)', async () => {
    const caller = '+14045556679';
    await playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to: '+14045550100',
      scenario: 'missed',
    });
    await eventually(() => t.fake.sentTo(caller).find((m) => m.status === 'delivered'), {
      what: 'the text-back',
    });
    await t.fake.receiveFromCustomer({ from: caller, to: '+14045550100', text: 'STOP' });

    const page = await browser.newPage();
    await signIn(page, bo);
    await page.locator('#threads button', { hasText: caller }).click();
    await page.fill('textarea[name=reply]', 'Are you still there?');
    await page.click('.reply button[type=submit]');
    const refused = page.locator('.message.outbound.failed', { hasText: 'Are you still there?' });
    await refused.waitFor({ timeout: 15_000 });
    expect(await refused.locator('.failure').textContent()).toBe(
      'Not delivered: opted out before the send',
    );
    expect(
      t.fake.sentTo(caller).filter((m) => m.origin === 'api' && m.text === 'Are you still there?'),
    ).toEqual([]);

    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(
      `${t.url('conversation')}/inbox?tenant=cool-breeze-hvac&thread=00000000-0000-4000-8000-000000000000`,
    );
    await page
      .locator('#thread .error', {
        hasText: 'Cannot open this conversation: no thread 00000000-0000-4000-8000-000000000000',
      })
      .waitFor({ timeout: 15_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('takes an invitation end to end: a password chosen on the page, then signing in with it', async () => {
    const invited = await fetch(`${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/users`, {
      method: 'POST',
      headers: { authorization: await t.adminAuthorization(), 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'cy@cool-breeze.example',
        name: 'Cy',
        role: 'operator',
        locationIds: ['atlanta-north'],
      }),
    });
    const { invitation } = (await invited.json()) as { invitation: string };
    const page = await browser.newPage();
    await page.goto(`${t.url('conversation')}/inbox?invitation=${invitation}`);
    await page.fill('#new-password', 'Password1234'); // long enough for the form, too common for the policy
    await page.click('#choose-password button[type=submit]');
    await page.locator('#signin-error', { hasText: 'password: too common' }).waitFor();
    await page.fill('#new-password', 'copper lagoon whistle 9');
    await page.click('#choose-password button[type=submit]');
    await page.locator('#signin-error', { hasText: 'Password set' }).waitFor();
    await signIn(page, { email: 'cy@cool-breeze.example', password: 'copper lagoon whistle 9' });
    await page.close();
  });

  it('resets a password end to end: the link sets a new one, the old one stops working', async () => {
    const made = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/users/${ids[bo.email]}/password-reset`,
      { method: 'POST', headers: { authorization: await t.adminAuthorization() } },
    );
    expect(made.status).toBe(201);
    const { reset } = (await made.json()) as { reset: string };
    const page = await browser.newPage();
    await page.goto(`${t.url('conversation')}/inbox?reset=${reset}`);
    await page.fill('#new-password', 'granite orchard beacon 5');
    await page.click('#choose-password button[type=submit]');
    await page.locator('#signin-error', { hasText: 'Password set' }).waitFor();
    const old = await fetch(`${t.url('gateway')}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: bo.email, password: bo.password }),
    });
    expect(old.status).toBe(401);
    await signIn(page, { email: bo.email, password: 'granite orchard beacon 5' });
    // The link worked once.
    const again = await fetch(`${t.url('conversation')}/inbox/reset-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reset, password: 'another long password 1' }),
    });
    expect(again.status).toBe(401);
    await page.close();
  });
});
