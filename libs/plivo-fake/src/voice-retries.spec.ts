import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postVoiceWebhookLikePlivo, voiceRetryPolicy } from './voice-driver';

describe('voice callbacks delivered as Plivo does', () => {
  let server: Server;
  let url = '';
  const answers: number[] = [];
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      const status = answers[hits++] ?? 200;
      if (status === 0) return; // never answers: a read timeout
      res.writeHead(status).end(status === 200 ? '<Response/>' : 'no');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
  beforeEach(() => {
    answers.length = 0;
    hits = 0;
  });

  it('reads the retry settings from the URL fragment, with Plivo’s defaults', () => {
    expect(voiceRetryPolicy('https://x/a')).toEqual({
      attemptTimeoutMs: 42_000,
      totalTimeoutMs: 55_000,
      retries: 1,
      on: new Set(['ct', 'rt']),
    });
    const p = voiceRetryPolicy('https://x/a#ct=1000&rt=3000&tt=9000&rc=9&rp=ct,rt,5xx');
    expect(p).toMatchObject({ attemptTimeoutMs: 4_000, totalTimeoutMs: 9_000, retries: 5 });
    expect([...p.on]).toEqual(['ct', 'rt', '5xx']);
  });

  it('retries a 5xx when the policy says so, and stops at the first 200', async () => {
    answers.push(503, 500);
    const sent = await postVoiceWebhookLikePlivo(`${url}#rc=3&rp=5xx`, { A: '1' }, 'token');
    expect(sent).toMatchObject({ attempts: 3, gaveUp: false });
    expect(sent.exchange?.status).toBe(200);
  });

  it('does not retry a 5xx by default, and gives up when the retries run out', async () => {
    answers.push(503, 503, 503);
    expect(await postVoiceWebhookLikePlivo(url, {}, 'token')).toMatchObject({
      attempts: 1,
      gaveUp: true,
    });
    hits = 0;
    expect(await postVoiceWebhookLikePlivo(`${url}#rc=1&rp=5xx`, {}, 'token')).toMatchObject({
      attempts: 2,
      gaveUp: true,
    });
  });

  it('retries a read timeout, each attempt within its own timeout', async () => {
    answers.push(0);
    const sent = await postVoiceWebhookLikePlivo(`${url}#ct=100&rt=200&rc=1`, {}, 'token');
    expect(sent).toMatchObject({ attempts: 2, gaveUp: false });
  });
});
