import type { Browser, Page } from 'playwright-core';
import { playCall } from '@textback/plivo-fake';
import { eventually, startOpenIdProvider, type RunningOpenIdProvider } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform, launchChromium } from './test-platform';

/**
 * Single sign-on through a real OpenID provider (`oidc-provider` in a child process) and the
 * inbox page in headless Chromium: groups map to roles, people are made at their first sign-in,
 * and a group the provider drops takes the access with it at the next sign-in.
 */
describe('single sign-on through the tenant’s OpenID provider', () => {
  let t: TestPlatform;
  let idp: RunningOpenIdProvider;
  let browser: Browser;
  let admin: string;
  const tenant = 'cool-breeze-hvac';
  const settingsUrl = () => `${t.url('gateway')}/v1/admin/tenants/${tenant}/sign-in-settings`;
  const sam = { email: 'sam@cool-breeze.example', name: 'Sam Field', groups: ['atl-operators'] };

  const teamNames = async () =>
    (
      (await (
        await fetch(`${t.url('conversation')}/v1/inbox/team?tenantId=${tenant}`, {
          headers: { authorization: admin },
        })
      ).json()) as { displayName: string }[]
    ).map((m) => m.displayName);

  async function putSettings(body: object, authorization = admin) {
    const res = await fetch(settingsUrl(), {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Through the provider's own sign-in form (each page is a new browser context: no session there). */
  async function ssoSignIn(page: Page): Promise<void> {
    await page.goto(`${t.url('conversation')}/inbox?tenant=${tenant}`);
    await page.click('#sso');
    await page.locator('input[name=login]').waitFor({ timeout: 30_000 });
    expect(page.url().startsWith(idp.issuer)).toBe(true);
    await page.fill('input[name=login]', 'sam');
    await page.fill('input[name=password]', 'whatever the provider checks');
    await page.click('button[type=submit]');
    // Back on the inbox (its DOM is what the tests read next: no need to wait for every asset).
    // Under a full suite's load the round trip through provider and gateway can take long; a
    // failure says where the browser stopped.
    await page
      // The page may already have tidied its query away (history.replaceState): the path decides.
      .waitForURL((url) => url.origin === t.url('conversation') && url.pathname === '/inbox', {
        timeout: 60_000,
        waitUntil: 'commit',
      })
      .catch(async (err: unknown) => {
        const body = await page
          .locator('body')
          .innerText()
          .catch(() => '');
        throw new Error(`${String(err)}\nstopped at ${page.url()}: ${body.slice(0, 500)}`);
      });
  }

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'sso' });
    idp = await startOpenIdProvider({
      clientId: 'textback-inbox',
      clientSecret: 'a-client-secret-from-the-provider',
      redirectUris: [`${t.url('conversation')}/inbox/sso/callback`],
    });
    idp.setAccount('sam', sam);
    admin = await t.adminAuthorization();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
    await t?.stop();
  });

  it('refuses an issuer the egress rules refuse, and a mapping above the saver’s own role', async () => {
    const metadata = await putSettings({
      sso: { issuer: 'https://169.254.169.254/', clientId: 'x', roleMappings: [] },
    });
    expect(metadata.status).toBe(400);
    expect(metadata.body['message']).toMatch(
      /sso\.issuer: 169\.254\.169\.254 is in the linkLocal range/,
    );
    const notUrl = await putSettings({
      sso: { issuer: 'not a url', clientId: 'x', roleMappings: [] },
    });
    expect(notUrl.status).toBe(400);
    const requireFirst = await putSettings({ requireSso: true });
    expect(requireFirst.status).toBe(400);
    expect(requireFirst.body['message']).toMatch(/set up single sign-on/);

    // A location manager may save the tenant's settings only if it also holds tenant:settings
    // (it does not), and never a mapping that makes brand-admins.
    const lee = await t.person({
      email: 'lee@cool-breeze.example',
      role: 'location-manager',
      locationIds: ['atlanta-north'],
    });
    const escalation = await putSettings(
      {
        sso: {
          issuer: idp.issuer,
          clientId: 'textback-inbox',
          roleMappings: [{ group: 'everyone', role: 'brand-admin' }],
        },
      },
      lee.authorization,
    );
    expect(escalation.status).toBe(403);
  });

  it('signs a person in through the provider with a group mapped to operator: that scope’s threads only, and a reply reaches the carrier', async () => {
    const saved = await putSettings({
      sso: {
        issuer: idp.issuer,
        clientId: 'textback-inbox',
        clientSecret: 'a-client-secret-from-the-provider',
        roleMappings: [
          { group: 'atl-operators', role: 'operator', locationIds: ['atlanta-north'] },
          { group: 'analysts', role: 'analyst' },
        ],
      },
    });
    expect(saved.status).toBe(200);
    expect(saved.body['sso']).toMatchObject({ clientSecretSet: true, groupsClaim: 'groups' });
    expect(JSON.stringify(saved.body)).not.toContain('a-client-secret');

    const caller = '+14045556690';
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
    const elsewhere = await t.threadAt('marietta');

    const page = await browser.newPage();
    await ssoSignIn(page);
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    await page.locator('#threads button', { hasText: caller }).click();
    await page.fill('textarea[name=reply]', 'Hi, Sam here: we can be there at 3pm.');
    await page.click('.reply button[type=submit]');
    await page
      .locator('.message.outbound', { hasText: 'we can be there at 3pm' })
      .waitFor({ timeout: 30_000 });
    await eventually(
      () => t.fake.sentTo(caller).find((m) => m.text.includes('we can be there at 3pm')),
      { what: 'the reply at the carrier' },
    );
    const listed = await page.locator('#threads').textContent();
    const { rows } = await t.db.query<{ customer_number: string }>(
      `SELECT customer_number FROM ${t.schema('conversation')}.thread WHERE thread_id = $1`,
      [elsewhere],
    );
    expect(listed).not.toContain(rows[0]!.customer_number);

    // Made at the first sign-in, with the mapped membership, managed by the provider.
    const users = await fetch(`${t.url('gateway')}/v1/admin/tenants/${tenant}/users`, {
      headers: { authorization: admin },
    });
    const member = (
      (await users.json()) as { email: string; role: string; locationIds: string[] }[]
    ).find((u) => u.email === sam.email);
    expect(member).toMatchObject({ role: 'operator', locationIds: ['atlanta-north'] });
    // The inbox's team knows them (assignable, alerted) from the same membership.
    await eventually(() => teamNames().then((n) => n.includes('Sam Field') || undefined), {
      what: 'Sam on the inbox team',
    });
    await page.close();
  }, 120_000);

  it('takes the access away at the next sign-in when the provider drops the group', async () => {
    idp.setAccount('sam', { ...sam, groups: ['marketing'] });
    const page = await browser.newPage();
    await ssoSignIn(page);
    await page.locator('#signin-error', { hasText: 'no role here' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#signed-in').isVisible()).toBe(false);
    const users = await fetch(`${t.url('gateway')}/v1/admin/tenants/${tenant}/users`, {
      headers: { authorization: admin },
    });
    expect(((await users.json()) as { email: string }[]).map((u) => u.email)).not.toContain(
      sam.email,
    );
    await eventually(() => teamNames().then((n) => !n.includes('Sam Field') || undefined), {
      what: 'Sam off the inbox team',
    });
    await page.close();
  }, 120_000);

  describe('tenant sign-in policies', () => {
    const pat = { email: 'pat@cool-breeze.example', password: 'copper valley beacon 19' };

    async function passwordSignIn() {
      const res = await fetch(`${t.url('gateway')}/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pat),
      });
      const body = (await res.json()) as { csrfToken: string; message?: string };
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      return { status: res.status, body, cookie };
    }

    async function sessionToken(s: { cookie: string; body: { csrfToken: string } }) {
      const res = await fetch(`${t.url('gateway')}/v1/auth/session/token`, {
        method: 'POST',
        headers: { cookie: s.cookie, 'x-csrf-token': s.body.csrfToken },
      });
      return {
        status: res.status,
        body: (await res.json()) as {
          access_token: string;
          second_factor_required?: boolean;
          message?: string;
        },
      };
    }

    beforeAll(async () => {
      await t.person({ ...pat, role: 'operator', locationIds: ['atlanta-north'] });
    });

    it('"require SSO" refuses password sign-ins, and ends the password sessions made before', async () => {
      const before = await passwordSignIn();
      expect(before.status).toBe(200);
      expect((await sessionToken(before)).status).toBe(200);

      expect((await putSettings({ requireSso: true })).status).toBe(200);
      const refused = await passwordSignIn();
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/requires single sign-on/);
      const old = await sessionToken(before);
      expect(old.status).toBe(401);
      expect(old.body.message).toMatch(/requires single sign-on/);
      expect((await putSettings({ requireSso: false })).status).toBe(200);
    });

    it('"require a second factor" leaves a password-only session able to set one up and nothing else', async () => {
      expect((await putSettings({ requireSecondFactor: true })).status).toBe(200);
      const signedIn = await passwordSignIn();
      expect(signedIn.status).toBe(200);
      const token = await sessionToken(signedIn);
      expect(token.status).toBe(200);
      expect(token.body.second_factor_required).toBe(true);
      const authorization = `Bearer ${token.body.access_token}`;
      const inbox = await fetch(`${t.url('conversation')}/v1/inbox/threads?tenantId=${tenant}`, {
        headers: { authorization },
      });
      expect(inbox.status).toBe(403);
      const enroll = await fetch(`${t.url('gateway')}/v1/auth/totp`, {
        method: 'POST',
        headers: { authorization },
      });
      expect(enroll.status).toBe(201);
      expect((await putSettings({ requireSecondFactor: false })).status).toBe(200);
    });

    it('refuses a provider callback this browser did not start (login CSRF), replayed, or forged', async () => {
      const noCookie = await fetch(
        `${t.url('gateway')}/v1/auth/sso/callback?code=stolen&state=someone-elses`,
        { redirect: 'manual' },
      );
      expect(noCookie.status).toBe(401);
      expect(((await noCookie.json()) as { message: string }).message).toMatch(
        /not started in this browser/,
      );
      const forged = await fetch(`${t.url('gateway')}/v1/auth/sso/callback?code=x&state=made-up`, {
        headers: { cookie: 'tb_sso=made-up' },
        redirect: 'manual',
      });
      expect(forged.status).toBe(401);
      expect(((await forged.json()) as { message: string }).message).toMatch(
        /expired or already used/,
      );
      // Through the page, the refusal comes back to the page to show, never as raw JSON.
      const viaPage = await fetch(
        `${t.url('conversation')}/inbox/sso/callback?code=x&state=made-up`,
        { redirect: 'manual' },
      );
      expect(viaPage.status).toBe(303);
      expect(viaPage.headers.get('location')).toMatch(/^\/inbox\?sso_error=/);
      const unknownTenant = await fetch(`${t.url('conversation')}/inbox/sso?tenant=no-such-brand`, {
        redirect: 'manual',
      });
      expect(unknownTenant.status).toBe(303);
      const back = new URL(unknownTenant.headers.get('location') ?? '', 'http://page.invalid');
      expect(back.searchParams.get('sso_error')).toBe('no-such-brand has no single sign-on');
    });
  });
});
