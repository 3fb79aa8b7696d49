import { AuditService } from '@textback/gateway';
import { eventually, SettableClock } from '@textback/testing';
import { startTestPlatform, type TestPlatform } from './test-platform';

interface Entry {
  at: string;
  actorKind: string;
  actor: string;
  action: string;
  resource: string;
  outcome: number;
  address: string | null;
  service: string;
}

/**
 * The audit log (#16 item 5): every mutating call, every refused attempt and every bulk read of
 * personal data, from every service, in the gateway's log; a brand-admin reads and exports its
 * own tenant's; numbers and addresses are redacted after retention (runtime clock advanced).
 */
describe('the audit log', () => {
  const clock = new SettableClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  let t: TestPlatform;
  const tokens: Record<string, string> = {};
  const subjects: Record<string, string> = {};
  const gw = () => t.url('gateway');
  const day = (offsetDays: number) =>
    new Date(clock.now().getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  async function person(name: string, tenant: string, body: object): Promise<void> {
    const made = await fetch(`${gw()}/v1/admin/tenants/${tenant}/users`, {
      method: 'POST',
      headers: { authorization: await t.adminAuthorization(), 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `${name}@${tenant}.example`,
        name,
        signIn: 'refresh-token',
        ...body,
      }),
    });
    expect(made.status).toBe(201);
    const { refreshToken, userId } = (await made.json()) as {
      refreshToken: string;
      userId: string;
    };
    subjects[name] = `user:${userId}`;
    const token = await t.requestToken({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    tokens[name] = `Bearer ${token.body.access_token}`;
  }
  const call = async (who: string, service: string, path: string, init: RequestInit = {}) =>
    (
      await fetch(`${t.url(service)}${path}`, {
        ...init,
        headers: {
          authorization: tokens[who]!,
          'content-type': 'application/json',
          ...init.headers,
        },
      })
    ).status;
  const auditOf = async (who: string, tenant: string, query = '') => {
    const res = await fetch(
      `${gw()}/v1/admin/tenants/${tenant}/audit?from=${day(-1)}&to=${day(1)}${query}`,
      { headers: { authorization: tokens[who]! } },
    );
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('csv')
        ? await res.text()
        : ((await res.json()) as Entry[]),
    };
  };

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'audit',
      without: ['call-ingest', 'decision', 'sms-dispatch'],
      clock,
    });
    await person('bo', 'cool-breeze-hvac', { role: 'brand-admin' });
    await person('mia', 'cool-breeze-hvac', {
      role: 'location-manager',
      locationIds: ['atlanta-north'],
    });
    await person('dana', 'cool-breeze-hvac', { role: 'operator', locationIds: ['atlanta-north'] });
    await person('ana', 'cool-breeze-hvac', { role: 'analyst' });
    await person('eve', 'bright-smile-dental', { role: 'brand-admin' });
    tokens['root'] = await t.adminAuthorization();
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('records refused attempts, changes and bulk reads from every service, for the brand to read', async () => {
    const south = await t.threadAt('atlanta-south');
    // A role escalation, a thread of another location, another tenant's figures: refused.
    expect(
      await call('mia', 'gateway', '/v1/admin/tenants/cool-breeze-hvac/users', {
        method: 'POST',
        body: JSON.stringify({ email: 'x@cool.example', name: 'X', role: 'brand-admin' }),
      }),
    ).toBe(403);
    expect(
      await call('dana', 'conversation', `/v1/inbox/threads/${south}?tenantId=cool-breeze-hvac`),
    ).toBe(404);
    expect(
      await call(
        'ana',
        'reporting',
        `/v1/reports/funnel?tenantId=bright-smile-dental&from=${day(0)}&to=${day(0)}`,
      ),
    ).toBe(403);
    // A change, and a bulk read of personal data.
    expect(
      await call('dana', 'compliance', '/v1/consent/cool-breeze-hvac/%2B14045550177/opt-out', {
        method: 'POST',
        body: JSON.stringify({ actor: 'dana', reason: 'asked by phone' }),
      }),
    ).toBe(403); // an operator may read consent, not change it: refused and recorded
    expect(
      await call('bo', 'compliance', '/v1/consent/cool-breeze-hvac/%2B14045550177/opt-out', {
        method: 'POST',
        body: JSON.stringify({ actor: 'bo', reason: 'asked by phone' }),
      }),
    ).toBe(201);
    expect(await call('bo', 'compliance', '/v1/consent/cool-breeze-hvac/export')).toBe(200);
    // A wrong password (no tenant known yet: the platform's own log).
    const failed = await fetch(`${gw()}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'dana@cool-breeze-hvac.example',
        password: 'not the password',
      }),
    });
    expect(failed.status).toBe(401);
    // A cross-site request riding a session cookie without its CSRF token.
    const csrf = await fetch(`${gw()}/v1/auth/session/token`, {
      method: 'POST',
      headers: { cookie: `tb_session=tbs_0123456789abcdef_${'A'.repeat(43)}` },
    });
    expect(csrf.status).toBe(401);

    const want = [
      ['mia', 'POST /v1/admin/tenants/:tenantId/users', 403],
      ['dana', 'GET /v1/inbox/threads/:threadId', 404],
      ['ana', 'GET /v1/reports/funnel', 403],
      ['dana', 'POST /v1/consent/:tenantId/:phone/opt-out', 403],
      ['bo', 'POST /v1/consent/:tenantId/:phone/opt-out', 201],
      ['bo', 'GET /v1/consent/:tenantId/export', 200],
    ] as const;
    const entries = await eventually(
      async () => {
        const { body } = await auditOf('bo', 'cool-breeze-hvac');
        const rows = body as Entry[];
        return want.every(([who, action, outcome]) =>
          rows.some(
            (r) => r.actor === subjects[who] && r.action === action && r.outcome === outcome,
          ),
        )
          ? rows
          : undefined;
      },
      { what: 'the audit records of every service in the log' },
    );
    const optOut = entries.find(
      (r) => r.action === 'POST /v1/consent/:tenantId/:phone/opt-out' && r.outcome === 201,
    )!;
    expect(optOut).toMatchObject({
      actorKind: 'user',
      resource: '/v1/consent/cool-breeze-hvac/%2B14045550177/opt-out',
      service: 'compliance',
      address: expect.stringMatching(/127\.0\.0\.1/),
    });
    // Reads that change nothing and are no bulk read are not in it.
    expect(entries.some((r) => r.action === 'GET /v1/admin/tenants/:tenantId/users')).toBe(false);

    // The platform's own log has the failed sign-in.
    const platform = await eventually(
      async () => {
        const rows = (await auditOf('root', 'platform')).body as Entry[];
        return rows.find((r) => r.action === 'POST /v1/auth/sign-in' && r.outcome === 401);
      },
      { what: 'the failed sign-in in the platform log' },
    );
    expect(platform.actorKind).toBe('anonymous');
    await eventually(
      async () =>
        ((await auditOf('root', 'platform')).body as Entry[]).some(
          (r) => r.action === 'POST /v1/auth/session/token' && r.outcome === 401,
        ),
      { what: 'the refused session trade in the platform log' },
    );
  });

  it('lets a brand-admin export its own log as CSV, and nobody read another brand’s', async () => {
    const csv = await auditOf('bo', 'cool-breeze-hvac', '&format=csv');
    expect(csv.status).toBe(200);
    expect((csv.body as string).split('\n')[0]).toBe(
      'at,actorKind,actor,action,resource,outcome,address,service,auditId',
    );
    expect(csv.body as string).toContain('POST /v1/consent/:tenantId/:phone/opt-out');
    expect((await auditOf('eve', 'cool-breeze-hvac')).status).toBe(403);
    expect((await auditOf('dana', 'cool-breeze-hvac')).status).toBe(403);
  });

  it('redacts the numbers and addresses an entry names after retention, and keeps the entry', async () => {
    clock.advance(91 * 86_400_000);
    const redacted = await t.platform.services.get('gateway')!.app.get(AuditService).redact();
    expect(redacted).toBeGreaterThan(0);
    const res = await fetch(
      `${gw()}/v1/admin/tenants/cool-breeze-hvac/audit?from=${day(-95)}&to=${day(1)}`,
      { headers: { authorization: await t.adminAuthorization() } }, // a token at the new time
    );
    const rows = (await res.json()) as Entry[];
    const optOut = rows.find(
      (r) => r.action === 'POST /v1/consent/:tenantId/:phone/opt-out' && r.outcome === 201,
    )!;
    expect(optOut).toMatchObject({
      resource: '/v1/consent/cool-breeze-hvac/[number]/opt-out',
      address: null,
      actor: subjects['bo'],
    });
  });
});
