import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Dispatcher } from 'undici';
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

  it('ends at the deadline even when the request itself never settles, abort or not', async () => {
    // What the hung bench run looked like from its caller: an exchange left pending.
    class NeverAnswers extends Dispatcher {
      override dispatch(): boolean {
        return true; // takes the request and never calls a handler, not even on abort
      }
    }
    await expect(
      exchangeWithin(url, {}, { timeoutMs: 150, dispatcher: new NeverAnswers() }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('sends a form or a text with the content-type fetch would have set, unless given one', async () => {
    const seen: string[] = [];
    handle = (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.headers['content-type']} ${body}`);
        res.end();
      });
    };
    const form = new URLSearchParams({ grant_type: 'authorization_code', code: 'a b' });
    await exchangeWithin(url, { method: 'POST', body: form }, { timeoutMs: 5_000 });
    await exchangeWithin(url, { method: 'post', body: 'plain' }, { timeoutMs: 5_000 });
    await exchangeWithin(
      url,
      { method: 'POST', body: '{}', headers: new Headers({ 'Content-Type': 'application/json' }) },
      { timeoutMs: 5_000 },
    );
    expect(seen).toEqual([
      'application/x-www-form-urlencoded;charset=UTF-8 grant_type=authorization_code&code=a+b',
      'text/plain;charset=UTF-8 plain',
      'application/json {}',
    ]);
  });

  it('answers a redirect as it is (never followed), every cookie it sets kept', async () => {
    handle = (_req, res) => {
      res.setHeader('set-cookie', ['session=1; HttpOnly', 'csrf=2']);
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    };
    const answer = await exchangeWithin(`${url}/moved`, {}, { timeoutMs: 5_000 });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data/');
    expect(answer.headers.getSetCookie()).toEqual(['session=1; HttpOnly', 'csrf=2']);
  });

  it("ends with the caller's reason when the caller's signal aborts", async () => {
    let arrived = (): void => undefined;
    const atServer = new Promise<void>((resolve) => (arrived = resolve));
    handle = () => arrived();
    const caller = new AbortController();
    const pending = exchangeWithin(
      `${url}/cancelled`,
      {},
      { timeoutMs: 60_000, signal: caller.signal },
    );
    pending.catch(() => undefined);
    await atServer; // the server has the request: the abort must close its connection
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
