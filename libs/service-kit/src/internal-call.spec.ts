import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callInternal } from './internal-call';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

describe('callInternal: one service asking another', () => {
  let server: Server;
  let baseUrl: string;
  let seen: Seen[];
  let answer: (req: IncomingMessage) => { status: number; body: string };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body,
        });
        if (req.url?.startsWith('/silent')) return; // never answers
        const a = answer(req);
        res.writeHead(a.status).end(a.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  beforeEach(() => {
    seen = [];
    answer = () => ({ status: 200, body: '{"ok":true}' });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('POSTs the body as JSON with the bearer token, and reads the JSON answer', async () => {
    const a = await callInternal({
      baseUrl,
      path: '/internal/v1/x',
      bearer: 'secret',
      body: { checks: [1] },
      timeoutMs: 5_000,
    });
    expect(a).toEqual({
      answered: true,
      status: 200,
      ok: true,
      json: { ok: true },
      empty: false,
      truncated: false,
    });
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/internal/v1/x',
        authorization: 'Bearer secret',
        contentType: 'application/json',
        body: '{"checks":[1]}',
      },
    ]);
  });

  it('GETs without a body, the query built from the defined values only', async () => {
    await callInternal({
      baseUrl,
      path: '/v1/calls',
      query: { limit: 5, cursor: undefined, q: 'a b' },
      bearer: 't',
      timeoutMs: 5_000,
    });
    expect(seen[0]).toMatchObject({
      method: 'GET',
      url: '/v1/calls?limit=5&q=a+b',
      contentType: undefined,
      body: '',
    });
  });

  it('gives the status of an error answer and no JSON for a body that is not JSON', async () => {
    answer = () => ({ status: 502, body: '<html>bad gateway</html>' });
    expect(await callInternal({ baseUrl, path: '/x', bearer: 't', timeoutMs: 5_000 })).toEqual({
      answered: true,
      status: 502,
      ok: false,
      json: undefined,
      empty: false,
      truncated: false,
    });
    answer = () => ({ status: 204, body: '' });
    expect(await callInternal({ baseUrl, path: '/x', bearer: 't', timeoutMs: 5_000 })).toEqual(
      expect.objectContaining({ status: 204, ok: true, json: undefined, empty: true }),
    );
  });

  it('marks an answer longer than its limit as truncated', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ pad: 'x'.repeat(500) }) });
    const a = await callInternal({
      baseUrl,
      path: '/x',
      bearer: 't',
      timeoutMs: 5_000,
      maxBytes: 100,
    });
    expect(a).toMatchObject({ answered: true, truncated: true, json: undefined });
  });

  it('says why there was no answer: a peer that never answers, one that is not there, a cancel', async () => {
    expect(await callInternal({ baseUrl, path: '/silent', bearer: 't', timeoutMs: 200 })).toEqual({
      answered: false,
      reason: 'no answer within 200 ms',
    });

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await callInternal({
      baseUrl: `http://127.0.0.1:${port}`,
      path: '/x',
      bearer: 't',
      timeoutMs: 5_000,
    });
    expect(refused).toEqual({ answered: false, reason: expect.any(String) });

    const cancel = new AbortController();
    const pending = callInternal({
      baseUrl,
      path: '/silent',
      bearer: 't',
      timeoutMs: 30_000,
      signal: cancel.signal,
    });
    cancel.abort(new Error('the caller went away'));
    expect(await pending).toEqual({ answered: false, reason: 'the caller went away' });
  });
});
