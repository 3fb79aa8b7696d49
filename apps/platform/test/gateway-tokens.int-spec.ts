import { TokenVerifier } from '@textback/auth';
import { secrets, startTestPlatform, type TestPlatform } from './test-platform';

/** The gateway publishes its signing keys and turns the bootstrap admin key into a token (#15). */
describe('access tokens from the gateway', () => {
  let t: TestPlatform;

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'tokens',
      without: [
        'call-ingest',
        'decision',
        'sms-dispatch',
        'conversation',
        'compliance',
        'reporting',
      ],
    });
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
    const { accessToken, tokenType, expiresIn } = (await res.json()) as {
      accessToken: string;
      tokenType: string;
      expiresIn: number;
    };
    expect({ tokenType, expiresIn }).toEqual({ tokenType: 'Bearer', expiresIn: 300 });
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
});
