import type { Browser } from 'playwright-core';
import { eventually, startSmtpServer, type RunningSmtpServer } from '@textback/testing';
import { startTestPlatform, type TestPlatform, launchChromium } from './test-platform';

/**
 * Invitation and password reset links texted to staff: from the platform's own number, only to a
 * phone the person agreed to sign-in texts on, never into a customer thread — and each link used
 * end to end in the settings page (headless Chromium).
 */
describe('sign-in links texted to staff', () => {
  let t: TestPlatform;
  let smtp: RunningSmtpServer;
  let browser: Browser;
  let admin: string;
  const tenant = 'cool-breeze-hvac';
  const riley = { email: 'riley@cool-breeze.example', phone: '+14045557001' };
  const users = () => `${t.url('gateway')}/v1/admin/tenants/${tenant}/users`;

  async function addMember(body: object) {
    const res = await fetch(users(), {
      method: 'POST',
      headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'operator', locationIds: ['atlanta-north'], ...body }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const textsTo = (phone: string) => t.fake.sentTo(phone);

  async function choosePassword(link: string, password: string) {
    const page = await browser.newPage();
    await page.goto(link);
    await page.locator('#choose-password').waitFor({ state: 'visible' });
    expect(await page.locator('#signin').isVisible()).toBe(false);
    await page.fill('#new-password', password);
    await page.click('#choose-password button[type=submit]');
    await page.locator('#signin-error', { hasText: 'Password set' }).waitFor();
    // The one-time credential has left the address bar.
    expect(page.url()).not.toMatch(/invitation=|reset=/);
    await page.fill('#email', riley.email);
    await page.fill('#password', password);
    await page.click('#signin button[type=submit]');
    await page.locator('#settings').waitFor({ state: 'visible' });
    await page.close();
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'stafftexts',
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Textback <sign-in@textback.example>' },
    });
    admin = await t.adminAuthorization();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await smtp?.stop();
  });

  it('texts an invitation from the platform number to a consenting person, who accepts it', async () => {
    const added = await addMember({
      email: riley.email,
      name: 'Riley',
      phone: riley.phone,
      textConsent: true,
    });
    expect(added.status).toBe(201);
    expect(added.body['texted']).toBe(true);
    const link = String(added.body['link']);
    expect(link).toMatch(/\/settings\?invitation=txi_[^&]+&tenant=cool-breeze-hvac$/);

    const text = await eventually(() => textsTo(riley.phone)[0], { what: 'the invitation text' });
    expect(text.from).toBe('18885550100');
    expect(text.text).toContain(link);
    expect(text.text).toMatch(/^Textback: Cool Breeze Heating & Air invited you/);
    // And by e-mail, through the SMTP server.
    expect(added.body['mailed']).toBe(true);
    const mail = smtp.messages.find((m) => m.subject?.includes('invited you'));
    expect(mail?.to).toMatchObject({ text: riley.email });
    expect(mail?.from?.value).toEqual([{ address: 'sign-in@textback.example', name: 'Textback' }]);
    expect(mail?.text).toContain(link);

    // Never a customer's conversation, and the link is not kept once the carrier has it.
    const threads = await t.db.query(
      `SELECT 1 FROM ${t.schema('conversation')}.thread WHERE customer_number = $1`,
      [riley.phone],
    );
    expect(threads.rowCount).toBe(0);
    const kept = await eventually(async () => {
      const { rows } = await t.db.query<{ body: string | null; state: string }>(
        `SELECT body, state FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE to_number = $1`,
        [riley.phone],
      );
      return rows[0]?.state === 'delivered' ? rows : undefined;
    });
    expect(kept).toEqual([{ body: null, state: 'delivered' }]);

    await choosePassword(link, 'lantern copper orchard 52');
  });

  it('texts a password reset link, used end to end', async () => {
    const list = await fetch(users(), { headers: { authorization: admin } });
    const member = ((await list.json()) as { userId: string; email: string }[]).find(
      (u) => u.email === riley.email,
    );
    const reset = await fetch(`${users()}/${member!.userId}/password-reset`, {
      method: 'POST',
      headers: { authorization: admin },
    });
    expect(reset.status).toBe(201);
    const body = (await reset.json()) as { link: string; texted: boolean; reset: string };
    expect(body.texted).toBe(true);
    expect(body.link).toContain(`reset=${body.reset}`);
    const text = await eventually(
      () => textsTo(riley.phone).find((m) => m.text.includes(body.link)),
      {
        what: 'the reset text',
      },
    );
    expect(text.text).toMatch(/Reset your Cool Breeze Heating & Air password/);
    expect(smtp.messages.find((m) => m.text?.includes(body.link))?.subject).toBe(
      'Reset your Cool Breeze Heating & Air password',
    );
    await choosePassword(body.link, 'meadow signal granite 17');
  });

  it('does not text a person who has not agreed, and a person gives (or withdraws) consent only for themselves', async () => {
    const quinn = await addMember({
      email: 'quinn@cool-breeze.example',
      name: 'Quinn',
      phone: '+14045557002',
      signIn: 'refresh-token',
    });
    expect(quinn.status).toBe(201);
    const invited = await addMember({
      email: 'sage@cool-breeze.example',
      name: 'Sage',
      phone: '+14045557003',
    });
    expect(invited.body['texted']).toBe(false);
    expect(invited.body['link']).toMatch(/invitation=txi_/);

    const token = await t.requestToken({
      grant_type: 'refresh_token',
      refresh_token: String(quinn.body['refreshToken']),
    });
    const authorization = `Bearer ${token.body.access_token}`;
    const refused = await fetch(`${t.url('gateway')}/v1/auth/phone`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '+14045557002', textConsent: false }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /agree to get sign-in texts/,
    );
    const agreed = await fetch(`${t.url('gateway')}/v1/auth/phone`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '+14045557002', textConsent: true }),
    });
    expect(agreed.status).toBe(204);
    const reset = await fetch(`${users()}/${String(quinn.body['userId'])}/password-reset`, {
      method: 'POST',
      headers: { authorization: admin },
    });
    expect(((await reset.json()) as { texted: boolean }).texted).toBe(true);
    const withdrawn = await fetch(`${t.url('gateway')}/v1/auth/phone`, {
      method: 'DELETE',
      headers: { authorization },
    });
    expect(withdrawn.status).toBe(204);
    const again = await fetch(`${users()}/${String(quinn.body['userId'])}/password-reset`, {
      method: 'POST',
      headers: { authorization: admin },
    });
    expect(((await again.json()) as { texted: boolean }).texted).toBe(false);
    await eventually(() => textsTo('+14045557002')[0], { what: "quinn's one reset text" });
    expect(textsTo('+14045557003')).toEqual([]);
  });
});
