import { createServer, type Server } from 'node:http';
import { playCall } from '@textback/plivo-fake';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from '../test-platform';

/**
 * sms-dispatch asks compliance before every send and fails closed: while compliance does not
 * answer, nothing is sent; once it answers, the held text goes out (deferred, never dropped).
 */
describe('the consent check before a send fails closed', () => {
  let t: TestPlatform;
  let proxy: Server;
  let complianceUp = false;
  let target = '';

  beforeAll(async () => {
    // Between sms-dispatch and compliance: answers 503 while "down", forwards while "up".
    proxy = createServer((req, res) => {
      if (!complianceUp || !target) {
        res.statusCode = 503;
        res.end('{"error":"unavailable"}');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => forward(Buffer.concat(chunks)));
      const forward = (body: Buffer) =>
        fetch(`${target}${req.url ?? ''}`, {
          method: req.method,
          headers: {
            authorization: req.headers.authorization ?? '',
            'content-type': req.headers['content-type'] ?? 'application/json',
          },
          ...(req.method === 'GET' ? {} : { body }),
        }).then(
          async (r) => {
            res.statusCode = r.status;
            res.setHeader('content-type', 'application/json');
            res.end(await r.text());
          },
          () => {
            res.statusCode = 502;
            res.end();
          },
        );
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as { port: number }).port;
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'failclosed',
      env: {
        COMPLIANCE_URL: `http://127.0.0.1:${port}`,
        SEND_RETRY_INITIAL_MS: '100',
        SEND_RETRY_MAX_MS: '300',
      },
    });
    target = t.url('compliance');
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await new Promise((r) => proxy.close(r));
  });

  it('holds the text while compliance is unreachable and sends it once compliance answers', async () => {
    const caller = '+14045557711';
    const played = await playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to: '+14045550100',
      scenario: 'missed',
    });
    expect((await t.decisionOf(played.callUuid)).outcome).toBe('requested');
    const held = await eventually(
      async () => {
        const { rows } = await t.db.query<{ state: string; error_reason: string | null }>(
          `SELECT state, error_reason FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
          [played.callUuid],
        );
        return rows[0]?.error_reason?.includes('compliance answered 503') ? rows[0] : undefined;
      },
      { what: 'the send to be held for consent' },
    );
    // Held: waiting for its next try (or in it, with retries this quick), never given up.
    expect(['pending', 'sending']).toContain(held.state);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(t.fake.sentTo(caller)).toEqual([]);
    const metrics = await (await fetch(`${t.url('sms-dispatch')}/metrics`)).text();
    expect(metrics).toMatch(/sms_dispatch_consent_unavailable_total\{[^}]*\} [1-9]/);

    complianceUp = true;
    await eventually(() => t.fake.sentTo(caller).find((m) => m.status === 'delivered'), {
      what: 'the held text to go out',
    });
    expect(t.fake.sentTo(caller)).toHaveLength(1);
  });
});
