import { newSigningKey } from '@textback/auth';
import { SettableClock } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from './test-platform';

const FIVE_MINUTES = 300_000;

/**
 * People and partners at the gateway (#15): users with memberships scoped to locations or a
 * location group, refresh tokens and invitations, partner clients with grants, revocation within
 * the access-token lifetime on the runtime clock, key rotation by kid, and the bootstrap key
 * refused once a platform administrator exists.
 */
describe('identities, memberships and credentials at the gateway', () => {
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
  const clock = new SettableClock(t0);
  let t: TestPlatform;
  const brand = '/v1/admin/tenants/cool-breeze-hvac';

  beforeAll(async () => {
    const k1 = await newSigningKey('k1');
    // k2 is published from the start and signs from t0 + 60 minutes (a rotation).
    const k2 = {
      ...(await newSigningKey('k2')),
      activeFrom: new Date(t0.getTime() + 60 * 60_000).toISOString(),
    };
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'identity',
      without: ['call-ingest', 'decision', 'sms-dispatch'],
      clock,
      env: {
        AUTH_SIGNING_KEYS: JSON.stringify({ keys: [k1, k2] }),
        ACCESS_TOKEN_TTL_SECONDS: '300',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const call = async (
    service: string,
    path: string,
    o: { token?: string; method?: string; body?: object } = {},
  ) => {
    const res = await fetch(`${t.url(service)}${path}`, {
      method: o.method ?? (o.body ? 'POST' : 'GET'),
      headers: {
        ...(o.token
          ? { authorization: o.token.startsWith('Bearer ') ? o.token : `Bearer ${o.token}` }
          : {}),
        'content-type': 'application/json',
      },
      ...(o.body ? { body: JSON.stringify(o.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const tokenRequest = (form: Record<string, string>, authorization?: string) =>
    t.requestToken(form, authorization);
  const refreshed = async (refreshToken: string): Promise<string> => {
    const res = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(res.status).toBe(200);
    return res.body.access_token;
  };
  const kidOf = (token: string): string =>
    (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
  const threadAt = (locationId: string) => t.threadAt(locationId);
  const threadsSeenBy = async (token: string): Promise<string[]> => {
    const res = await call(
      'conversation',
      '/v1/inbox/threads?tenantId=cool-breeze-hvac&limit=100',
      {
        token,
      },
    );
    expect(res.status).toBe(200);
    return (res.body as unknown as { threads: { threadId: string }[] }).threads.map(
      (r) => r.threadId,
    );
  };

  const people = {
    brandAdmin: { refreshToken: '', userId: '' },
    manager: { refreshToken: '', userId: '' },
    operator: { refreshToken: '', userId: '' },
  };

  it('lets a brand-admin add a region and its manager, who invites an operator for one location', async () => {
    const admin = await t.adminAuthorization();
    const brandAdmin = await call('gateway', `${brand}/users`, {
      token: admin,
      body: {
        email: 'Bo@cool-breeze.example',
        name: 'Bo',
        role: 'brand-admin',
        signIn: 'refresh-token',
      },
    });
    expect(brandAdmin.status).toBe(201);
    expect(brandAdmin.body).toMatchObject({ email: 'bo@cool-breeze.example', role: 'brand-admin' });
    expect(brandAdmin.body['refreshToken']).toMatch(/^txr_[a-f0-9]{16}_/);
    people.brandAdmin = {
      refreshToken: brandAdmin.body['refreshToken'] as string,
      userId: brandAdmin.body['userId'] as string,
    };
    const bo = await refreshed(people.brandAdmin.refreshToken);

    const group = await call('gateway', `${brand}/groups`, {
      token: bo,
      body: {
        groupId: 'atlanta-metro',
        name: 'Atlanta metro',
        locationIds: ['atlanta-north', 'atlanta-south'],
      },
    });
    expect(group.status).toBe(201);
    const manager = await call('gateway', `${brand}/users`, {
      token: bo,
      body: {
        email: 'mia@cool-breeze.example',
        name: 'Mia',
        role: 'location-manager',
        groupId: 'atlanta-metro',
        signIn: 'refresh-token',
      },
    });
    expect(manager.status).toBe(201);
    expect(manager.body['locationIds']).toEqual(['atlanta-north', 'atlanta-south']);
    people.manager = {
      refreshToken: manager.body['refreshToken'] as string,
      userId: manager.body['userId'] as string,
    };
    const mia = await refreshed(people.manager.refreshToken);

    // A manager adds people below it, in its own locations only.
    const tooHigh = await call('gateway', `${brand}/users`, {
      token: mia,
      body: { email: 'x@cool-breeze.example', name: 'X', role: 'brand-admin' },
    });
    expect(tooHigh).toMatchObject({
      status: 403,
      body: { message: 'a location-manager may not make a brand-admin' },
    });
    const elsewhere = await call('gateway', `${brand}/users`, {
      token: mia,
      body: {
        email: 'y@cool-breeze.example',
        name: 'Y',
        role: 'operator',
        locationIds: ['marietta'],
      },
    });
    expect(elsewhere).toMatchObject({
      status: 403,
      body: { message: 'locations: outside your locations' },
    });
    const invited = await call('gateway', `${brand}/users`, {
      token: mia,
      body: {
        email: 'dana@cool-breeze.example',
        name: 'Dana',
        role: 'operator',
        locationIds: ['atlanta-north'],
      },
    });
    expect(invited.status).toBe(201);
    expect(invited.body['invitation']).toMatch(/^txi_/);
    expect(invited.body).not.toHaveProperty('refreshToken');
    people.operator.userId = invited.body['userId'] as string;

    const accepted = await call('gateway', '/v1/auth/invitations/accept', {
      body: { invitation: invited.body['invitation'] },
    });
    expect(accepted.status).toBe(200);
    people.operator.refreshToken = accepted.body['refreshToken'] as string;
    const again = await call('gateway', '/v1/auth/invitations/accept', {
      body: { invitation: invited.body['invitation'] },
    });
    expect(again.status).toBe(401);

    // Each sees the threads of its own locations: Dana Atlanta North, Mia the region.
    const north = await threadAt('atlanta-north');
    const south = await threadAt('atlanta-south');
    const marietta = await threadAt('marietta');
    const dana = await refreshed(people.operator.refreshToken);
    const danaSees = await threadsSeenBy(dana);
    expect(danaSees).toContain(north);
    expect(danaSees).not.toContain(south);
    const miaSees = await threadsSeenBy(mia);
    expect(miaSees).toEqual(expect.arrayContaining([north, south]));
    expect(miaSees).not.toContain(marietta);
    expect(await threadsSeenBy(bo)).toEqual(expect.arrayContaining([north, south, marietta]));

    // The brand's list shows its people; a manager sees those in its region only.
    const listed = await call('gateway', `${brand}/users`, { token: bo });
    expect((listed.body as unknown as { email: string }[]).map((u) => u.email)).toEqual([
      'bo@cool-breeze.example',
      'dana@cool-breeze.example',
      'mia@cool-breeze.example',
    ]);
    const mine = await call('gateway', `${brand}/users`, { token: mia });
    expect((mine.body as unknown as { email: string }[]).map((u) => u.email)).toEqual([
      'dana@cool-breeze.example',
      'mia@cool-breeze.example',
    ]);
  });

  it('refuses a removed user and a revoked key within the access-token lifetime', async () => {
    const bo = await refreshed(people.brandAdmin.refreshToken);
    const dana = await refreshed(people.operator.refreshToken);
    const key = await call('gateway', `${brand}/api-keys`, {
      token: bo,
      body: { name: 'wallboard', permissions: ['inbox:read'] },
    });
    const keyToken = await tokenRequest({}, `Bearer ${key.body['key'] as string}`);
    expect(keyToken.status).toBe(200);

    expect(
      (
        await call('gateway', `${brand}/users/${people.operator.userId}`, {
          token: bo,
          method: 'DELETE',
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call('gateway', `${brand}/api-keys/${key.body['keyId'] as string}`, {
          token: bo,
          method: 'DELETE',
        })
      ).status,
    ).toBe(204);
    // No new tokens at once …
    expect(
      (
        await tokenRequest({
          grant_type: 'refresh_token',
          refresh_token: people.operator.refreshToken,
        })
      ).status,
    ).toBe(401);
    expect((await tokenRequest({}, `Bearer ${key.body['key'] as string}`)).status).toBe(401);
    // … and the tokens already out stop at their expiry (the runtime clock, five minutes on).
    await threadsSeenBy(dana);
    await threadsSeenBy(keyToken.body.access_token);
    clock.advance(FIVE_MINUTES + 10_000);
    for (const token of [dana, keyToken.body.access_token]) {
      const late = await call('conversation', '/v1/inbox/threads?tenantId=cool-breeze-hvac', {
        token,
      });
      expect(late).toMatchObject({ status: 401, body: { message: 'token expired' } });
    }
  });

  it('revokes a refresh token its holder hands back (RFC 7009)', async () => {
    await refreshed(people.manager.refreshToken);
    const revoked = await call('gateway', '/v1/auth/revoke', {
      body: { token: people.manager.refreshToken },
    });
    expect(revoked.status).toBe(200);
    const refused = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: people.manager.refreshToken,
    });
    expect(refused.status).toBe(401);
    // Revoking an unknown token says nothing either way.
    expect(
      (await call('gateway', '/v1/auth/revoke', { body: { token: 'txr_nothing' } })).status,
    ).toBe(200);
  });

  it('gives a partner client a token for a granting tenant with the granted scopes only', async () => {
    const admin = await t.adminAuthorization();
    const made = await call('gateway', '/v1/admin/clients', {
      token: admin,
      body: { name: 'Acme CRM', scopes: ['threads:read', 'reports:read'] },
    });
    expect(made.status).toBe(201);
    const clientId = made.body['clientId'] as string;
    const basic = `Basic ${Buffer.from(`${clientId}:${made.body['clientSecret'] as string}`).toString('base64')}`;
    const bo = await refreshed(people.brandAdmin.refreshToken);
    // Before any brand grants it, a client reaches only its own sandbox brand.
    expect(
      (
        await tokenRequest(
          { grant_type: 'client_credentials', tenant_id: 'cool-breeze-hvac' },
          basic,
        )
      ).body.message,
    ).toMatch(/no tenant has granted/);
    const sandbox = (made.body['sandbox'] as { tenantId: string }).tenantId;
    const own = await tokenRequest({ grant_type: 'client_credentials' }, basic);
    expect(own.status).toBe(200);
    expect(
      (await call('gateway', '/v1/partner/tenants', { token: own.body.access_token })).body[
        'tenants'
      ],
    ).toEqual([expect.objectContaining({ name: `tenants/${sandbox}` })]);
    const granted = await call('gateway', `${brand}/grants`, {
      token: bo,
      body: { clientId, scopes: ['threads:read'], locationIds: ['atlanta-north'] },
    });
    expect(granted.status).toBe(201);
    const north = await threadAt('atlanta-north');
    const south = await threadAt('atlanta-south');
    const token = await tokenRequest({ grant_type: 'client_credentials' }, basic);
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('threads:read');
    // A partner's token opens the partner API only, within its grant's locations.
    const direct = await call('conversation', '/v1/inbox/threads?tenantId=cool-breeze-hvac', {
      token: token.body.access_token,
    });
    expect(direct.status).toBe(403);
    const listed = await call(
      'gateway',
      '/v1/partner/tenants/cool-breeze-hvac/threads?pageSize=100',
      {
        token: token.body.access_token,
      },
    );
    expect(listed.status).toBe(200);
    const seen = (listed.body['threads'] as { name: string }[]).map((th) =>
      th.name.split('/').pop(),
    );
    expect(seen).toContain(north);
    expect(seen).not.toContain(south);
    // Not beyond the grant, not another tenant, not with a wrong secret.
    expect(
      (await tokenRequest({ grant_type: 'client_credentials', scope: 'reports:read' }, basic))
        .status,
    ).toBe(403);
    expect(
      (
        await tokenRequest(
          { grant_type: 'client_credentials', tenant_id: 'bright-smile-dental' },
          basic,
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await tokenRequest({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: 'A'.repeat(43),
        })
      ).status,
    ).toBe(401);
    expect(
      (await call('gateway', `${brand}/grants/${clientId}`, { token: bo, method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect(
      (
        await tokenRequest(
          { grant_type: 'client_credentials', tenant_id: 'cool-breeze-hvac' },
          basic,
        )
      ).status,
    ).toBe(403);
  });

  it('rotates signing keys by kid: the new key signs when due, old tokens verify until they expire', async () => {
    clock.set(new Date(t0.getTime() + 59 * 60_000));
    const old = await refreshed(people.brandAdmin.refreshToken);
    expect(kidOf(old)).toBe('k1');
    clock.set(new Date(t0.getTime() + 61 * 60_000));
    const fresh = await refreshed(people.brandAdmin.refreshToken);
    expect(kidOf(fresh)).toBe('k2');
    await threadsSeenBy(fresh);
    await threadsSeenBy(old);
    clock.set(new Date(t0.getTime() + 65 * 60_000));
    expect(
      (await call('conversation', '/v1/inbox/threads?tenantId=cool-breeze-hvac', { token: old }))
        .status,
    ).toBe(401);
  });

  it('refuses the bootstrap admin key once a platform administrator exists', async () => {
    const admin = await t.adminAuthorization();
    const root = await call('gateway', '/v1/admin/platform-admins', {
      token: admin,
      body: { email: 'root@textback.example', name: 'Root', signIn: 'refresh-token' },
    });
    expect(root.status).toBe(201);
    const bootstrap = await tokenRequest({}, `Bearer ${secrets.ADMIN_API_KEY}`);
    expect(bootstrap.status).toBe(401);
    expect(bootstrap.body.message).toMatch(/platform administrator exists/);
    const rootToken = await refreshed(root.body['refreshToken'] as string);
    expect((await call('gateway', '/v1/admin/tenants', { token: rootToken })).status).toBe(200);
    const admins = await call('gateway', '/v1/admin/platform-admins', { token: rootToken });
    expect((admins.body as unknown as { email: string }[]).map((a) => a.email)).toEqual([
      'root@textback.example',
    ]);
  });
});
