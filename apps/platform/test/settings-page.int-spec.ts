import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { partnerRest, registerPartner } from './partner-kit';
import { startTestPlatform, type TestPlatform, launchChromium } from './test-platform';

/**
 * The settings page in headless Chromium: a brand-admin turns on "require a second factor"; an
 * operator without one finds the inbox asks for it, sets it up on the settings page (QR code and
 * key), and signs in again with its code to a working inbox.
 */
describe('the settings page', () => {
  let t: TestPlatform;
  let browser: Browser;
  const tenant = 'cool-breeze-hvac';
  const bo = { email: 'bo.settings@cool-breeze.example', password: 'granite orchard signal 61' };
  const kim = { email: 'kim@cool-breeze.example', password: 'saffron tunnel meadow 38' };
  // Another brand's admin (the first test makes Cool Breeze require a second factor).
  const ana = { email: 'ana@bright-smile.example', password: 'copper lantern river 27' };
  const dental = 'bright-smile-dental';

  async function signIn(page: Page, url: string, who: { email: string; password: string }) {
    await page.goto(url);
    await page.fill('#email', who.email);
    await page.fill('#password', who.password);
    await page.click('#signin button[type=submit]');
  }

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'settingspage' });
    await t.person({ ...bo, role: 'brand-admin' });
    await t.person({ ...kim, role: 'operator', locationIds: ['atlanta-north'] });
    await t.person({ ...ana, role: 'brand-admin', tenantId: dental });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('lets a brand-admin require a second factor, and an operator set one up and sign in with it', async () => {
    const admin = await browser.newPage();
    await signIn(admin, `${t.url('gateway')}/settings?tenant=${tenant}`, bo);
    await admin.locator('#brand').waitFor({ state: 'visible' });
    expect(await admin.locator('#sessions tbody tr').count()).toBe(1);
    expect(await admin.locator('#sessions tbody td').nth(1).textContent()).toBe('password');
    await admin.check('#require-second-factor');
    await admin.click('#policy-form button[type=submit]');
    await admin.locator('#status', { hasText: 'Sign-in settings saved.' }).waitFor();
    const saved = await fetch(`${t.url('gateway')}/v1/admin/tenants/${tenant}/sign-in-settings`, {
      headers: { authorization: await t.adminAuthorization() },
    });
    expect(await saved.json()).toMatchObject({
      requireSecondFactor: true,
      updatedBy: expect.stringMatching(/^user:/),
    });

    // Kim signs in to the inbox with a password alone: the inbox says what the brand requires.
    const page = await browser.newPage();
    await signIn(page, `${t.url('conversation')}/inbox?tenant=${tenant}`, kim);
    await page
      .locator('#signin-error', { hasText: 'requires a second factor' })
      .waitFor({ timeout: 15_000 });

    // The settings page (the same session) sets one up: a QR code, the key, a first code.
    await page.goto(`${t.url('gateway')}/settings?tenant=${tenant}`);
    await page.locator('#policy-note', { hasText: 'requires a second factor' }).waitFor();
    expect(await page.locator('#brand').isVisible()).toBe(false);
    await page.click('#totp-start');
    await page.locator('#totp-confirm').waitFor({ state: 'visible' });
    expect(await page.locator('#totp-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const secret = (await page.locator('#totp-secret').textContent()) ?? '';
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await page.fill('#totp-code', totp.generate({ timestamp: Date.now() - 30_000 }));
    await page.click('#totp-confirm button[type=submit]');
    await page.locator('#status', { hasText: 'Second factor on' }).waitFor();

    // Signed in again with the code, the inbox works.
    await page.click('#signout');
    await page.goto(`${t.url('conversation')}/inbox?tenant=${tenant}`);
    await page.fill('#email', kim.email);
    await page.fill('#password', kim.password);
    await page.click('#signin button[type=submit]');
    await page.locator('#code-field').waitFor({ state: 'visible' });
    await page.fill('#password', kim.password);
    await page.fill('#code', totp.generate());
    await page.click('#signin button[type=submit]');
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    await page.locator('#threads').waitFor();
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.locator('#signin-error').textContent()).toBe('');
    await page.screenshot({ path: `${process.cwd()}/.cache/settings-page.png` });
  });

  it('shows a brand-admin its partner applications with their usage, and revokes one', async () => {
    const partner = await registerPartner(t, {
      name: 'Dispatch Board',
      scopes: ['locations:read'],
      grants: [{ tenantId: dental, granter: await t.adminAuthorization() }],
    });
    const token = await partner.token(dental);
    for (const path of [`tenants/${dental}/locations`, `tenants/${dental}/phoneNumbers`])
      expect((await partnerRest(t, `/v1/partner/${path}`, { token })).status).toBe(200);
    expect(
      (await partnerRest(t, '/v1/partner/tenants/happy-paws-vet/locations', { token })).status,
    ).toBe(403);
    const admin = await browser.newPage();
    await signIn(admin, `${t.url('gateway')}/settings?tenant=${dental}`, ana);
    const row = admin.locator(`#grants-body tr[data-client="${partner.clientId}"]`);
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([
      'Dispatch Board',
      'locations:read',
      'all',
      expect.any(String),
      '3',
      '1',
      '0',
      'Revoke',
    ]);
    await row.locator('button').click();
    await admin.locator('#status', { hasText: 'Dispatch Board no longer has access.' }).waitFor();
    await row.waitFor({ state: 'detached' });
    expect(
      (await partnerRest(t, `/v1/partner/tenants/${dental}/locations`, { token })).status,
    ).toBe(403);
  });

  it("renders the partner API's docs page (Swagger UI over openapi.json, under the CSP)", async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') refused.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) refused.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${t.url('gateway')}/v1/partner/docs`);
    await page.locator('.swagger-ui .info .title', { hasText: 'Textback partner API' }).waitFor();
    await page
      .locator('.opblock-summary-path', { hasText: '/v1/partner/tenants/{tenant}/calls' })
      .first()
      .waitFor();
    expect(refused).toEqual([]);
    await page.close();
  });

  it('lists a person’s sessions and ends another one from the page', async () => {
    const first = await browser.newPage();
    await signIn(first, `${t.url('gateway')}/settings?tenant=${tenant}`, bo);
    await first.locator('#settings').waitFor({ state: 'visible' });
    const second = await browser.newPage();
    await signIn(second, `${t.url('gateway')}/settings?tenant=${tenant}`, bo);
    await second.locator('#settings').waitFor({ state: 'visible' });
    await second.reload();
    // Newest first: this page's, then the first page's (then any older one).
    const rows = second.locator('#sessions tbody tr');
    await rows.nth(1).waitFor();
    const before = await rows.count();
    await rows.nth(1).locator('button').click();
    await second.locator('#status', { hasText: 'Session ended.' }).waitFor();
    expect(await rows.count()).toBe(before - 1);
    // The first page finds itself signed out.
    await first.reload();
    await first.locator('#signin-error', { hasText: 'session expired, revoked' }).waitFor();
    expect(await first.locator('#settings').isVisible()).toBe(false);
  });
});
