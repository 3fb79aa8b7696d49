import { randomUUID } from 'node:crypto';
import {
  newSigningKey,
  rolePermissions,
  TokenIssuer,
  TokenVerifier,
  type Access,
  type SigningKey,
} from '@textback/auth';
import { LocationId, TenantId } from '@textback/contracts';
import { secrets, startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The gateway publishes its signing keys and turns the bootstrap admin key into a token; the
 * inbox takes tokens and scopes every request by the credential's tenant and locations (#15).
 */
describe('access tokens from the gateway', () => {
  let t: TestPlatform;
  let keys: SigningKey[];
  let mint: (access: Access, ttl?: number) => Promise<string>;

  beforeAll(async () => {
    keys = [await newSigningKey('test-k1')];
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'tokens',
      without: ['call-ingest', 'decision', 'sms-dispatch'],
      env: { AUTH_SIGNING_KEYS: JSON.stringify({ keys }) },
    });
    const issuer = await TokenIssuer.fromKeys(keys);
    mint = (access, ttl = 300) => issuer.issue(access, ttl, new Date());
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('publishes a JWKS with public keys only, and issues tokens that verify against it', async () => {
    const jwks = await fetch(`${t.url('gateway')}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    const body = (await jwks.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toEqual([
      expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' }),
    ]);
    expect(body.keys.some((k) => 'd' in k)).toBe(false);

    const res = await fetch(`${t.url('gateway')}/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
    });
    expect(res.status).toBe(200);
    const {
      access_token: accessToken,
      token_type: tokenType,
      expires_in: expiresIn,
    } = (await res.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
    };
    expect({ tokenType, expiresIn }).toEqual({ tokenType: 'Bearer', expiresIn: 900 }); // the test platform's lifetime
    const verifier = TokenVerifier.ofUrl(`${t.url('gateway')}/.well-known/jwks.json`, {
      now: () => new Date(),
    });
    await expect(verifier.verify(accessToken)).resolves.toMatchObject({
      kind: 'bootstrap',
      role: 'platform-admin',
      tenantId: '*',
    });
  });

  it('refuses the exchange without the admin key', async () => {
    for (const authorization of [undefined, 'Bearer not-the-admin-key-000000']) {
      const res = await fetch(`${t.url('gateway')}/v1/auth/token`, {
        method: 'POST',
        ...(authorization ? { headers: { authorization } } : {}),
      });
      expect(res.status).toBe(401);
    }
  });

  describe('the inbox with tokens', () => {
    const acme = TenantId.parse('cool-breeze-hvac');
    const operatorNorth: Access = {
      subject: 'user-dana',
      kind: 'user',
      role: 'operator',
      tenantId: acme,
      locationIds: [LocationId.parse('atlanta-north')],
      permissions: rolePermissions.operator,
    };
    const inbox = (token: string, path: string, init: RequestInit = {}) =>
      fetch(`${t.url('conversation')}/v1/inbox${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
    const threadAt = (locationId: string) => t.threadAt(locationId);

    it("shows an operator only its own locations' threads, and nothing of another tenant", async () => {
      const north = await threadAt('atlanta-north');
      const south = await threadAt('atlanta-south');
      const token = await mint(operatorNorth);
      const list = await inbox(token, '/threads?tenantId=cool-breeze-hvac&limit=100');
      expect(list.status).toBe(200);
      const ids = ((await list.json()) as { threads: { threadId: string }[] }).threads.map(
        (r) => r.threadId,
      );
      expect(ids).toContain(north);
      expect(ids).not.toContain(south);
      expect((await inbox(token, `/threads/${south}?tenantId=cool-breeze-hvac`)).status).toBe(404);
      expect((await inbox(token, `/threads/${north}?tenantId=cool-breeze-hvac`)).status).toBe(200);
      const other = await inbox(token, '/threads?tenantId=bright-smile-dental');
      expect(other.status).toBe(403);
      expect(await other.json()).toEqual({
        error: 'forbidden',
        message: 'this credential is for tenant cool-breeze-hvac only',
      });
    });

    it('refuses a role without the permission, an expired token and a token of another issuer', async () => {
      const north = await threadAt('atlanta-north');
      const analyst = await mint({
        ...operatorNorth,
        role: 'analyst',
        permissions: rolePermissions.analyst,
      });
      const reply = await inbox(analyst, `/threads/${north}/reply?tenantId=cool-breeze-hvac`, {
        method: 'POST',
        body: JSON.stringify({ text: 'hello' }),
      });
      expect(reply.status).toBe(403);
      const expired = await mint(operatorNorth, -60);
      const late = await inbox(expired, '/threads?tenantId=cool-breeze-hvac');
      expect(late.status).toBe(401);
      expect(await late.json()).toMatchObject({ message: 'token expired' });
      const stranger = await (
        await TokenIssuer.fromKeys([await newSigningKey('test-k1')])
      ).issue(operatorNorth, 300, new Date());
      expect((await inbox(stranger, '/threads?tenantId=cool-breeze-hvac')).status).toBe(401);
    });

    it('takes the platform-admin token the admin key is exchanged for', async () => {
      const res = await fetch(`${t.url('gateway')}/v1/auth/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
      });
      const { access_token: accessToken } = (await res.json()) as { access_token: string };
      expect((await inbox(accessToken, '/threads?tenantId=bright-smile-dental')).status).toBe(200);
    });
  });

  describe('the admin and consent surfaces with tokens', () => {
    const acme = TenantId.parse('cool-breeze-hvac');
    const as = (
      role: 'brand-admin' | 'location-manager' | 'operator',
      locations: string[] | 'all',
    ) =>
      mint({
        subject: `user-${role}`,
        kind: 'user',
        role,
        tenantId: acme,
        locationIds: locations === 'all' ? 'all' : locations.map((l) => LocationId.parse(l)),
        permissions: rolePermissions[role],
      });
    const get = async (service: string, path: string, token: string) =>
      (await fetch(`${t.url(service)}${path}`, { headers: { authorization: `Bearer ${token}` } }))
        .status;

    it("lets a brand-admin manage its own brand only, and not list the platform's tenants", async () => {
      const admin = await as('brand-admin', 'all');
      expect(await get('gateway', '/v1/admin/tenants/cool-breeze-hvac', admin)).toBe(200);
      expect(await get('gateway', '/v1/admin/tenants/bright-smile-dental', admin)).toBe(403);
      expect(await get('gateway', '/v1/admin/tenants', admin)).toBe(403);
    });

    it('lets a location manager manage its own location, not another', async () => {
      const manager = await as('location-manager', ['atlanta-north']);
      const base = '/v1/admin/tenants/cool-breeze-hvac/locations';
      expect(await get('gateway', `${base}/atlanta-north`, manager)).toBe(200);
      expect(await get('gateway', `${base}/atlanta-south`, manager)).toBe(403);
    });

    it("lets an operator read its customers' consent, not change it or read another brand's", async () => {
      const operator = await as('operator', ['atlanta-north']);
      expect(await get('compliance', '/v1/consent/cool-breeze-hvac/+14045550123', operator)).toBe(
        200,
      );
      expect(
        await get('compliance', '/v1/consent/bright-smile-dental/+14045550123', operator),
      ).toBe(403);
      const change = await fetch(
        `${t.url('compliance')}/v1/consent/cool-breeze-hvac/%2B14045550123/opt-out`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
          body: JSON.stringify({ actor: 'dana', reason: 'asked by phone' }),
        },
      );
      expect(change.status).toBe(403);
    });
  });

  describe("a tenant's API keys, exchanged for tokens", () => {
    const admin = { authorization: '', 'content-type': 'application/json' };
    beforeAll(async () => {
      admin.authorization = await t.adminAuthorization();
    });
    const keysOf = (tenant: string) => `${t.url('gateway')}/v1/admin/tenants/${tenant}/api-keys`;
    const exchange = (key: string) =>
      fetch(`${t.url('gateway')}/v1/auth/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
      });
    const issue = async (body: object) => {
      const res = await fetch(keysOf('cool-breeze-hvac'), {
        method: 'POST',
        headers: admin,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { key: string; keyId: string };
    };

    it('issues a key shown once, whose token reads only what its scopes and locations allow', async () => {
      const { key, keyId } = await issue({
        name: 'wallboard',
        permissions: ['inbox:read'],
        locationIds: ['atlanta-north'],
      });
      expect(key).toMatch(/^txk_[a-f0-9]{16}_/);
      const listed = await (await fetch(keysOf('cool-breeze-hvac'), { headers: admin })).text();
      expect(listed).toContain(keyId);
      // The secret is never shown again (everything after the id: base64url may hold `_`).
      expect(listed).not.toContain(key.slice(key.indexOf('_', 4) + 1));
      const res = await exchange(key);
      expect(res.status).toBe(200);
      const { access_token: accessToken } = (await res.json()) as { access_token: string };
      const inbox = (path: string, init: RequestInit = {}) =>
        fetch(`${t.url('conversation')}/v1/inbox${path}`, {
          ...init,
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        });
      expect((await inbox('/threads?tenantId=cool-breeze-hvac')).status).toBe(200);
      expect((await inbox('/threads?tenantId=bright-smile-dental')).status).toBe(403);
      expect(
        (
          await inbox(`/threads/${randomUUID()}/reply?tenantId=cool-breeze-hvac`, {
            method: 'POST',
            body: JSON.stringify({ text: 'hi' }),
          })
        ).status,
      ).toBe(403);
    });

    it('refuses a revoked key, an expired key and a forged one', async () => {
      const revoked = await issue({ name: 'old', permissions: ['inbox:read'] });
      const del = await fetch(`${keysOf('cool-breeze-hvac')}/${revoked.keyId}`, {
        method: 'DELETE',
        headers: admin,
      });
      expect(del.status).toBe(204);
      expect((await exchange(revoked.key)).status).toBe(401);
      const expired = await issue({
        name: 'expired',
        permissions: ['inbox:read'],
        expiresAt: '2020-01-01T00:00:00Z',
      });
      expect((await exchange(expired.key)).status).toBe(401);
      const forged = `${revoked.key.slice(0, 21)}${'A'.repeat(43)}`;
      expect((await exchange(forged)).status).toBe(401);
    });

    it('never lets a brand-admin grant more than it may, or keys for another brand', async () => {
      const brandAdmin = await mint({
        subject: 'user-brand-admin',
        kind: 'user',
        role: 'brand-admin',
        tenantId: TenantId.parse('cool-breeze-hvac'),
        locationIds: 'all',
        permissions: rolePermissions['brand-admin'],
      });
      const headers = { authorization: `Bearer ${brandAdmin}`, 'content-type': 'application/json' };
      const platform = await fetch(keysOf('cool-breeze-hvac'), {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'x', permissions: ['tenants:manage'] }),
      });
      expect(platform.status).toBe(400);
      expect(await platform.json()).toMatchObject({
        message: 'permissions: may not grant tenants:manage',
      });
      const otherBrand = await fetch(keysOf('bright-smile-dental'), {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'x', permissions: ['inbox:read'] }),
      });
      expect(otherBrand.status).toBe(403);
    });
  });

  describe('the reporting API with tokens', () => {
    const day = new Date().toISOString().slice(0, 10);
    const funnel = async (token: string, tenant: string) =>
      (
        await fetch(
          `${t.url('reporting')}/v1/reports/funnel?tenantId=${tenant}&from=${day}&to=${day}`,
          { headers: { authorization: `Bearer ${token}` } },
        )
      ).status;
    const acme = TenantId.parse('cool-breeze-hvac');

    const analystAccess: Access = {
      subject: 'user-analyst',
      kind: 'user',
      role: 'analyst',
      tenantId: acme,
      locationIds: 'all',
      permissions: rolePermissions.analyst,
    };

    it("lets an analyst read its own brand's reports only, and refuses a role without reports:read", async () => {
      const analyst = await mint(analystAccess);
      expect(await funnel(analyst, 'cool-breeze-hvac')).toBe(200);
      expect(await funnel(analyst, 'bright-smile-dental')).toBe(403);
      const operator = await mint({
        ...analystAccess,
        subject: 'user-operator',
        role: 'operator',
        permissions: rolePermissions.operator,
      });
      expect(await funnel(operator, 'cool-breeze-hvac')).toBe(403);
      expect(await funnel(await mint(analystAccess, -60), 'cool-breeze-hvac')).toBe(401); // expired
    });
  });
});
