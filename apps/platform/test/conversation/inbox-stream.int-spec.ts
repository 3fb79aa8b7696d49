import type { Browser } from 'playwright-core';
import { startTestPlatform, type TestPlatform, launchChromium } from '../test-platform';

/**
 * The inbox's live stream (Server-Sent Events on the session cookie) in headless Chromium: a
 * customer's new text shows without a reload, another location's does not, and removing the
 * person mid-session closes the stream at its next check.
 */
describe('the inbox live stream', () => {
  let t: TestPlatform;
  let browser: Browser;
  let admin: string;
  let ashId = '';
  const tenant = 'cool-breeze-hvac';
  const ash = { email: 'ash@cool-breeze.example', password: 'harbor violet compass 83' };

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'inboxstream',
      env: { STREAM_RECHECK_SECONDS: '1' },
    });
    admin = await t.adminAuthorization();
    ashId = (await t.person({ ...ash, role: 'operator', locationIds: ['atlanta-north'] })).userId;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('refuses a stream without a session, or for another brand', async () => {
    const none = await fetch(`${t.url('conversation')}/inbox/events?tenant=${tenant}&csrf=x`);
    expect(none.status).toBe(401);
    const signIn = await fetch(`${t.url('gateway')}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ash),
    });
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const other = await fetch(
      `${t.url('conversation')}/inbox/events?tenant=bright-smile-dental&csrf=${csrfToken}`,
      { headers: { cookie } },
    );
    expect(other.status).toBe(403);
    const wrongCsrf = await fetch(`${t.url('conversation')}/inbox/events?tenant=${tenant}&csrf=x`, {
      headers: { cookie },
    });
    expect(wrongCsrf.status).toBe(401);
  });

  it('pushes a new customer text to the page, not another location’s, and closes when the person is removed', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url('conversation')}/inbox?tenant=${tenant}`);
    await page.fill('#email', ash.email);
    await page.fill('#password', ash.password);
    await page.click('#signin button[type=submit]');
    await page.locator('#signed-in').waitFor({ state: 'visible' });

    // The page no longer polls: only the stream can bring these in.
    await t.fake.receiveFromCustomer({
      from: '+17705557777',
      to: '+17705550120',
      text: 'Marietta: is the AC tune-up still $89?',
    });
    await t.fake.receiveFromCustomer({
      from: '+14045557777',
      to: '+14045550100',
      text: 'Hi, can someone look at my furnace this week?',
    });
    await page.locator('#threads button', { hasText: '+14045557777' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#threads').textContent()).not.toContain('+17705557777');

    const removed = await fetch(`${t.url('gateway')}/v1/admin/tenants/${tenant}/users/${ashId}`, {
      method: 'DELETE',
      headers: { authorization: admin },
    });
    expect(removed.status).toBe(204);
    await page
      .locator('#signin-error', { hasText: 'no longer a member here' })
      .waitFor({ timeout: 15_000 });
    expect(await page.locator('#threads button').count()).toBe(0);
  });
});
