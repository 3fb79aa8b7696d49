import { Secret, TOTP } from 'otpauth';
import { SettableClock } from '@textback/testing';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * People sign in (#16 step 1): a password under a policy (argon2id), an optional TOTP second
 * factor, throttling per account and per address with a temporary lock a brand-admin lifts, and
 * a cookie session (HttpOnly, SameSite=Lax) whose CSRF token the page echoes to get access
 * tokens; sessions listed and revoked, ended by idleness, sign-out, or removal from the tenant.
 */
describe('signing in', () => {
  const clock = new SettableClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  let t: TestPlatform;
  const gateway = () => t.url('gateway');
  const dana = { email: 'dana@cool-breeze.example', userId: '', refreshToken: '' };
  const password = 'violet harbor lantern 42';
  let totpSecret = '';

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'signin',
      without: ['call-ingest', 'decision', 'sms-dispatch'],
      clock,
    });
    const made = await post('/v1/admin/tenants/cool-breeze-hvac/users', {
      headers: { authorization: await t.adminAuthorization() },
      body: {
        email: dana.email,
        name: 'Dana',
        role: 'operator',
        locationIds: ['atlanta-north'],
        signIn: 'refresh-token',
      },
    });
    expect(made.status).toBe(201);
    dana.userId = made.body['userId'] as string;
    dana.refreshToken = made.body['refreshToken'] as string;
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  async function post(
    path: string,
    o: { headers?: Record<string, string>; body?: unknown; form?: boolean } = {},
  ) {
    const res = await fetch(`${gateway()}${path}`, {
      method: 'POST',
      headers: {
        'content-type': o.form ? 'application/x-www-form-urlencoded' : 'application/json',
        ...o.headers,
      },
      body: o.form
        ? new URLSearchParams(o.body as Record<string, string>).toString()
        : JSON.stringify(o.body ?? {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
      cookies: res.headers.getSetCookie(),
    };
  }
  const danaToken = async () =>
    `Bearer ${(await t.requestToken({ grant_type: 'refresh_token', refresh_token: dana.refreshToken })).body.access_token}`;
  const signIn = (body: object) => post('/v1/auth/sign-in', { body });
  const cookieOf = (cookies: string[]) => cookies.map((c) => c.split(';')[0]).join('; ');
  const sessionToken = (cookie: string, csrf?: string) =>
    post('/v1/auth/session/token', {
      headers: { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    });

  it('sets a password only under the policy', async () => {
    const weak = await post('/v1/auth/password', {
      headers: { authorization: await danaToken() },
      body: { password: 'Password1234' },
    });
    expect(weak).toMatchObject({ status: 400, body: { message: 'password: too common' } });
    const good = await post('/v1/auth/password', {
      headers: { authorization: await danaToken() },
      body: { password },
    });
    expect(good.status).toBe(204);
  });

  it('signs in to an HttpOnly, SameSite=Lax session whose CSRF token buys access tokens', async () => {
    const res = await signIn({ email: 'Dana@Cool-Breeze.example', password });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: dana.userId, tenantId: 'cool-breeze-hvac' });
    const session = res.cookies.find((c) => c.startsWith('tb_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(res.cookies.find((c) => c.startsWith('tb_csrf='))).not.toMatch(/HttpOnly/);
    const cookie = cookieOf(res.cookies);
    const csrf = res.body['csrfToken'] as string;

    const token = await sessionToken(cookie, csrf);
    expect(token.status).toBe(200);
    const threads = await fetch(
      `${t.url('conversation')}/v1/inbox/threads?tenantId=cool-breeze-hvac`,
      {
        headers: { authorization: `Bearer ${token.body['access_token'] as string}` },
      },
    );
    expect(threads.status).toBe(200);
    // A request without the CSRF token, with a wrong one, or with a tampered cookie: refused.
    expect((await sessionToken(cookie)).status).toBe(401);
    expect((await sessionToken(cookie, 'x'.repeat(43))).status).toBe(401);
    expect(
      (
        await sessionToken(
          cookie.replace(/tb_session=[^;]+/, 'tb_session=tbs_0000000000000000_' + 'A'.repeat(43)),
          csrf,
        )
      ).status,
    ).toBe(401);
    // A cross-site form cannot sign anyone in (no login CSRF).
    expect(
      (await post('/v1/auth/sign-in', { form: true, body: { email: dana.email, password } }))
        .status,
    ).toBe(400);
  });

  it('slows down wrong passwords, then locks the account for a while; a brand-admin lifts it', async () => {
    const wrong = () => signIn({ email: dana.email, password: 'not the password at all' });
    for (let i = 0; i < 3; i++) expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(401); // the 4th: from now on each waits longer
    const slowed = await wrong();
    expect(slowed.status).toBe(429);
    expect(slowed.body['message']).toMatch(/try again in 1 s/);
    for (let i = 4; i < 10; i++) {
      clock.advance(20 * 60_000);
      expect((await wrong()).status).toBe(401);
    }
    clock.advance(60_000);
    const locked = await signIn({ email: dana.email, password });
    expect(locked.status).toBe(429);
    expect(locked.body['message']).toMatch(/locked for 14 more minutes/);
    // An operator cannot lift it; the brand's admin (here the platform's) can, once.
    const unlock = `/v1/admin/tenants/cool-breeze-hvac/users/${dana.userId}/unlock`;
    expect((await post(unlock, { headers: { authorization: await danaToken() } })).status).toBe(
      403,
    );
    expect(
      (await post(unlock, { headers: { authorization: await t.adminAuthorization() } })).status,
    ).toBe(204);
    expect(
      (await post(unlock, { headers: { authorization: await t.adminAuthorization() } })).status,
    ).toBe(404);
    clock.advance(20 * 60_000); // the address's own slow-down has passed too
    expect((await signIn({ email: dana.email, password })).status).toBe(200);
  });

  it('asks for the second factor once it is enrolled, and takes the current code', async () => {
    const enrolled = await post('/v1/auth/totp', { headers: { authorization: await danaToken() } });
    expect(enrolled.status).toBe(201);
    const secret = enrolled.body['secret'] as string;
    totpSecret = secret;
    expect(enrolled.body['otpauthUri']).toMatch(
      /^otpauth:\/\/totp\/Textback:dana%40cool-breeze.example\?/,
    );
    const codeAt = (ms: number) =>
      new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: ms });
    const confirm = (code: string) =>
      danaToken().then((authorization) =>
        post('/v1/auth/totp/confirm', { headers: { authorization }, body: { code } }),
      );
    expect((await confirm(codeAt(clock.now().getTime() - 10 * 60_000))).status).toBe(400);
    expect((await confirm(codeAt(clock.now().getTime()))).status).toBe(204);

    const without = await signIn({ email: dana.email, password });
    expect(without).toMatchObject({
      status: 401,
      body: { message: expect.stringMatching(/second factor required/) },
    });
    clock.advance(30_000); // the confirming code's step is used: the next step's code
    const code = codeAt(clock.now().getTime());
    const withCode = await signIn({ email: dana.email, password, totp: code });
    expect(withCode.status).toBe(200);
    // The same code again (a replay within its window) is refused.
    const replayed = await signIn({ email: dana.email, password, totp: code });
    expect(replayed).toMatchObject({
      status: 401,
      body: { message: 'email, password or code wrong' },
    });
    // Enrolled once: a second enrollment (say, with a stolen token) is refused.
    const again = await post('/v1/auth/totp', { headers: { authorization: await danaToken() } });
    expect(again).toMatchObject({
      status: 400,
      body: { message: 'second factor already enrolled' },
    });
  });

  it('lists and revokes sessions, and ends them when idle, on sign-out, and when the person is removed', async () => {
    const bootstrap = await fetch(`${gateway()}/v1/auth/sessions`, {
      headers: { authorization: await t.adminAuthorization() },
    });
    expect(bootstrap.status).toBe(403); // the bootstrap credential is no person
    const s = totpSecret;
    const start = async () => {
      // Its own code (a code works once), past the address's slow-down from the failures above.
      clock.advance(3 * 60_000);
      const res = await signIn({
        email: dana.email,
        password,
        totp: new TOTP({ secret: Secret.fromBase32(s) }).generate({
          timestamp: clock.now().getTime(),
        }),
      });
      expect(res.status).toBe(200);
      return {
        cookie: cookieOf(res.cookies),
        csrf: res.body['csrfToken'] as string,
        id: res.body['sessionId'] as string,
      };
    };
    const a = await start();
    const listed = await fetch(`${gateway()}/v1/auth/sessions`, {
      headers: { authorization: await danaToken() },
    });
    expect(((await listed.json()) as { sessionId: string }[]).map((x) => x.sessionId)).toContain(
      a.id,
    );
    const revoked = await fetch(`${gateway()}/v1/auth/sessions/${a.id}`, {
      method: 'DELETE',
      headers: { authorization: await danaToken() },
    });
    expect(revoked.status).toBe(204);
    expect((await sessionToken(a.cookie, a.csrf)).status).toBe(401);

    const idle = await start();
    clock.advance(13 * 3_600_000);
    expect((await sessionToken(idle.cookie, idle.csrf)).status).toBe(401);

    const out = await start();
    expect(
      (
        await post('/v1/auth/sign-out', {
          headers: { cookie: out.cookie, 'x-csrf-token': out.csrf },
        })
      ).status,
    ).toBe(204);
    expect((await sessionToken(out.cookie, out.csrf)).status).toBe(401);

    const removed = await start();
    expect((await sessionToken(removed.cookie, removed.csrf)).status).toBe(200);
    const gone = await fetch(
      `${gateway()}/v1/admin/tenants/cool-breeze-hvac/users/${dana.userId}`,
      {
        method: 'DELETE',
        headers: { authorization: await t.adminAuthorization() },
      },
    );
    expect(gone.status).toBe(204);
    expect(await sessionToken(removed.cookie, removed.csrf)).toMatchObject({
      status: 401,
      body: { message: 'no longer a member here' },
    });
  });
});
