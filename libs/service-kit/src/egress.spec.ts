import { createServer, type Server } from 'node:http';
import { checkEgressUrl, egressFetch, EgressRefusedError, forbiddenAddress } from './egress';

/** A resolver that maps every name to one address: what a hostile tenant's DNS would answer. */
const resolvingTo = (address: string) => async (): Promise<readonly string[]> => [address];

describe('egress: URLs a tenant or partner gives us', () => {
  it.each([
    '169.254.169.254',
    '10.0.0.1',
    '127.0.0.1',
    '::1',
    'fd00::1',
    '192.168.1.10',
    '172.16.0.5',
    '100.64.0.1',
    '0.0.0.0',
    '::ffff:10.0.0.1',
    'fe80::1',
    '224.0.0.1',
  ])('refuses a name resolving to %s (no connection is made)', async (address) => {
    await expect(
      checkEgressUrl('https://crm.example/hooks', {
        allowInsecure: false,
        resolve: resolvingTo(address),
      }),
    ).rejects.toThrow(EgressRefusedError);
    await expect(
      egressFetch(
        'https://crm.example/hooks',
        { method: 'POST' },
        { allowInsecure: false, resolve: resolvingTo(address) },
        { timeoutMs: 5_000 },
      ),
    ).rejects.toThrow(/crm\.example: .* range/);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'https://[fd00::1]/x',
    'https://10.0.0.1/x',
    'https://metadata.google.internal/computeMetadata/v1/',
  ])('refuses the literal address or metadata host in %s', async (url) => {
    await expect(checkEgressUrl(url, { allowInsecure: true })).rejects.toThrow(EgressRefusedError);
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ftp://crm.example/x',
    'gopher://crm.example/',
    'http://crm.example/x',
    'not a url',
    'https://user:pw@crm.example/',
  ])('refuses %s', async (url) => {
    await expect(
      checkEgressUrl(url, { allowInsecure: false, resolve: resolvingTo('93.184.216.34') }),
    ).rejects.toThrow(EgressRefusedError);
  });

  it('accepts an https URL whose addresses are all public', async () => {
    const checked = await checkEgressUrl('https://crm.example/hooks', {
      allowInsecure: false,
      resolve: async () => ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    });
    expect(checked.addresses).toHaveLength(2);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    await expect(
      checkEgressUrl('https://crm.example/', {
        allowInsecure: false,
        resolve: async () => ['93.184.216.34', '10.0.0.1'],
      }),
    ).rejects.toThrow(/10\.0\.0\.1/);
  });

  it('allows http and loopback only with the development setting, never private ranges', () => {
    expect(forbiddenAddress('127.0.0.1', { allowInsecure: true })).toBeUndefined();
    expect(forbiddenAddress('::1', { allowInsecure: true })).toBeUndefined();
    expect(forbiddenAddress('10.0.0.1', { allowInsecure: true })).toMatch(/private/);
    expect(forbiddenAddress('169.254.169.254', { allowInsecure: true })).toMatch(/linkLocal/);
  });

  describe('delivery connects to the address that was checked', () => {
    let server: Server;
    let port = 0;
    const received: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        received.push(`${req.method} ${req.headers.host} ${req.url}`);
        if (req.url === '/slow') return; // a tenant's server that never answers
        res.writeHead(202).end('ok');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      port = (server.address() as { port: number }).port;
    });
    afterAll(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );

    it('reaches the pinned address under the name it was given (development: http + loopback)', async () => {
      const res = await egressFetch(
        `http://crm.example:${port}/hooks`,
        { method: 'POST', body: '{}' },
        { allowInsecure: true, resolve: resolvingTo('127.0.0.1') },
        { timeoutMs: 5_000 },
      );
      expect(res).toEqual({ status: 202, ok: true, body: 'ok' });
      expect(received).toEqual([`POST crm.example:${port} /hooks`]);
    });

    it('ends at its deadline when the server never answers', async () => {
      await expect(
        egressFetch(
          `http://crm.example:${port}/slow`,
          { method: 'POST', body: '{}' },
          { allowInsecure: true, resolve: resolvingTo('127.0.0.1') },
          { timeoutMs: 200 },
        ),
      ).rejects.toMatchObject({ name: 'TimeoutError' });
    });
  });
});
