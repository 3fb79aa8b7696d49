import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exchangeWithin, isTimeout, settleWithin } from './exchange';

describe('exchangeWithin: one request and its whole answer within a deadline', () => {
  let server: Server;
  let url: string;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  const closed: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.socket.once('close', () => closed.push(req.url ?? ''));
      handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns the status, headers and body, read whole', async () => {
    handle = (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-seen': req.method ?? '' });
        res.end(JSON.stringify({ echoed: body }));
      });
    };
    const answer = await exchangeWithin(
      `${url}/echo`,
      { method: 'POST', body: 'hello' },
      { timeoutMs: 5_000 },
    );
    expect(answer.status).toBe(201);
    expect(answer.ok).toBe(true);
    expect(answer.headers.get('x-seen')).toBe('POST');
    expect(answer.json()).toEqual({ echoed: 'hello' });
    expect(answer.truncated).toBe(false);
  });

  it('ends at the deadline when the server never answers, and closes the connection', async () => {
    handle = () => undefined;
    const error = await exchangeWithin(`${url}/silent`, {}, { timeoutMs: 150 }).catch(
      (e: unknown) => e,
    );
    expect(isTimeout(error)).toBe(true);
    await waitFor(() => closed.includes('/silent'));
  });

  it('ends at the deadline when the headers came and the body stops half-way', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"half":'); // and nothing more
    };
    const error = await exchangeWithin(`${url}/half`, {}, { timeoutMs: 150 }).catch(
      (e: unknown) => e,
    );
    expect(isTimeout(error)).toBe(true);
    await waitFor(() => closed.includes('/half'));
  });

  it('ends at the deadline even when the fetch itself never settles, abort or not', async () => {
    // What the hung bench run looked like from its caller: a fetch left pending.
    const pending = (): Promise<Response> => new Promise<Response>(() => undefined);
    await expect(exchangeWithin(url, {}, { timeoutMs: 150, fetch: pending })).rejects.toMatchObject(
      { name: 'TimeoutError' },
    );
    const stalledBody = (): Promise<Response> =>
      Promise.resolve(
        new Response(new ReadableStream({ pull: () => new Promise<void>(() => undefined) })),
      );
    await expect(
      exchangeWithin(url, {}, { timeoutMs: 150, fetch: stalledBody }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it("ends with the caller's reason when the caller's signal aborts", async () => {
    handle = () => undefined;
    const caller = new AbortController();
    const pending = exchangeWithin(
      `${url}/cancelled`,
      {},
      { timeoutMs: 60_000, signal: caller.signal },
    );
    caller.abort(new Error('the client went away'));
    await expect(pending).rejects.toThrow('the client went away');
    await waitFor(() => closed.includes('/cancelled'));
    // Already aborted: never sent.
    await expect(
      exchangeWithin(`${url}/never`, {}, { timeoutMs: 60_000, signal: caller.signal }),
    ).rejects.toThrow('the client went away');
  });

  it('reads a body up to its limit and says it was cut', async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.end('x'.repeat(10_000));
    };
    const answer = await exchangeWithin(`${url}/big`, {}, { timeoutMs: 5_000, maxBytes: 1_000 });
    expect(answer.bytes).toHaveLength(1_000);
    expect(answer.truncated).toBe(true);
  });

  it('an answer that is not JSON fails to parse as JSON, with the text still readable', async () => {
    handle = (_req, res) => {
      res.writeHead(502);
      res.end('<html>bad gateway</html>');
    };
    const answer = await exchangeWithin(`${url}/html`, {}, { timeoutMs: 5_000 });
    expect(answer.ok).toBe(false);
    expect(() => answer.json()).toThrow(SyntaxError);
    expect(answer.text()).toContain('bad gateway');
  });
});

/** Polls a condition the server's side sets (a socket's close comes a moment after the abort). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('settleWithin: a call we cannot abort, given up at a deadline', () => {
  it('passes an answer through, and gives up on a call that never settles', async () => {
    await expect(settleWithin(Promise.resolve(7), 1_000)).resolves.toBe(7);
    await expect(settleWithin(Promise.reject(new Error('no')), 1_000)).rejects.toThrow('no');
    const never = new Promise<number>(() => undefined);
    await expect(settleWithin(never, 100)).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
