import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceRuntime } from '@textback/service-kit';
import type { TenantId } from '@textback/contracts';
import { TokenService } from '../auth/token.service';
import type { GatewayConfig } from '../config';
import { PeerServices } from './peers';
import type { PartnerCall } from './partner-method';

/** What the peer (conversation, here) answers, by path. */
const answers: Record<string, { status: number; body: string } | 'never'> = {
  '/v1/threads': { status: 200, body: '{"threads":[]}' },
  '/v1/empty': { status: 204, body: '' },
  '/v1/refused': { status: 404, body: '{"error":"not-found","message":"no such thread"}' },
  '/v1/broken': { status: 502, body: '<html>bad gateway</html>' },
  '/v1/huge': { status: 200, body: JSON.stringify({ pad: 'x'.repeat(9 * 1_048_576) }) },
  '/v1/slow': 'never',
};

describe('PeerServices: the gateway calling a service for a partner', () => {
  let server: Server;
  let peers: PeerServices;
  let authorizations: string[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      authorizations.push(req.headers.authorization ?? '');
      const a = answers[new URL(req.url ?? '/', 'http://x').pathname];
      if (a === 'never') return;
      res.writeHead(a?.status ?? 500).end(a?.body ?? '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const runtime = {
      config: {
        CONVERSATION_URL: `${url}/`,
        CALL_INGEST_URL: url,
        COMPLIANCE_URL: url,
        REPORTING_URL: url,
        PARTNER_PEER_TIMEOUT_MS: 300,
        ACCESS_TOKEN_TTL_SECONDS: 300,
      },
      clock: { now: () => new Date('2026-12-07T09:00:00Z') },
      logger: { warn: () => undefined },
    } as unknown as ServiceRuntime<GatewayConfig>;
    const tokens = new TokenService(runtime);
    await tokens.onModuleInit();
    peers = new PeerServices(runtime, tokens);
  });
  beforeEach(() => (authorizations = []));
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const call = (signal = new AbortController().signal): PartnerCall => ({
    access: {
      subject: 'client-1',
      kind: 'client',
      role: undefined,
      tenantId: 'cool-breeze-hvac' as TenantId,
      locationIds: 'all',
      permissions: ['inbox:read'],
    },
    tenantId: 'cool-breeze-hvac' as TenantId,
    signal,
  });
  const get = (path: string, signal?: AbortSignal) =>
    peers.call(call(signal), 'conversation', 'inbox:read', { path });

  it('relays the JSON answer, with a token minted for the call (and reused)', async () => {
    await expect(get('/v1/threads')).resolves.toEqual({ threads: [] });
    await expect(get('/v1/empty')).resolves.toBeUndefined();
    expect(authorizations).toHaveLength(2);
    expect(authorizations[0]).toMatch(/^Bearer ey/);
    expect(authorizations[1]).toBe(authorizations[0]);
  });

  it("keeps a peer's error code; an answer that is not ours becomes unavailable", async () => {
    await expect(get('/v1/refused')).rejects.toMatchObject({
      code: 'not-found',
      message: 'no such thread',
    });
    await expect(get('/v1/broken')).rejects.toMatchObject({
      code: 'unavailable',
      message: 'conversation answered 502',
    });
  });

  it('refuses an answer past its size limit rather than relaying part of it', async () => {
    await expect(get('/v1/huge')).rejects.toMatchObject({
      code: 'unavailable',
      message: `conversation answered more than ${8 * 1_048_576} bytes`,
    });
  });

  it("is unavailable when the peer does not answer, and deadline-exceeded at the caller's deadline", async () => {
    await expect(get('/v1/slow')).rejects.toMatchObject({
      code: 'unavailable',
      message: 'conversation did not answer: no answer within 300 ms',
    });
    const deadline = new AbortController();
    const pending = get('/v1/slow', deadline.signal);
    deadline.abort();
    await expect(pending).rejects.toMatchObject({ code: 'deadline-exceeded' });
  });
});
