import { createServer, type Server } from 'node:http';
import * as plivo from 'plivo';
import { PlivoMessaging, verifyPlivoWebhook } from '@textback/carrier-plivo';
import { PlivoFake } from './plivo-fake';

const authId = 'MATESTACCOUNT0000001';
const authToken = 'test-auth-token-0001';

interface Received {
  url: string;
  headers: Record<string, string | undefined>;
  params: Record<string, string>;
}

/** A tiny receiver standing in for our webhook routes: records what Plivo (the fake) posts. */
async function receiver(): Promise<{
  url: string;
  received: Received[];
  answerWith: (s: number) => void;
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
        ),
        params: Object.fromEntries(new URLSearchParams(body)),
      });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerWith: (s) => (status = s),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('the Plivo fake, driven by the real plivo SDK', () => {
  let fake: PlivoFake;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let sdk: plivo.Client;
  let messaging: PlivoMessaging;

  beforeAll(async () => {
    hooks = await receiver();
    fake = await new PlivoFake({
      accounts: { [authId]: authToken },
      dlrStepMs: 5,
      dlrRetryDelaysMs: [20, 40, 80],
    }).start();
    sdk = new plivo.Client(authId, authToken, { url: fake.apiBaseUrl(authId), timeout: 500 });
    messaging = new PlivoMessaging({
      authId,
      authToken,
      apiUrl: fake.url,
      lookupUrl: fake.url,
      timeoutMs: 500,
    });
  });

  afterAll(async () => {
    await fake.stop();
    await hooks.close();
  });

  beforeEach(() => {
    hooks.received.length = 0;
    hooks.answerWith(200);
  });

  const statusUrl = (): string => `${hooks.url}/dlr?sendId=abc`;

  it('queues a message with 202 and reports queued → sent → delivered, signed and in Sequence order', async () => {
    const res = await sdk.messages.create(
      '14045550199',
      '14045550101',
      'Sorry we missed your call!',
      { url: statusUrl(), method: 'POST' },
    );
    expect(res.message).toBe('message(s) queued');
    expect(res.messageUuid).toHaveLength(1);
    await fake.settle();
    const reports = hooks.received.filter((r) => r.params['MessageUUID'] === res.messageUuid[0]);
    expect(reports.map((r) => r.params['Status'])).toEqual(['queued', 'sent', 'delivered']);
    const sequences = reports.map((r) => Number(r.params['Sequence']));
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    for (const r of reports) {
      expect(r.url).toBe('/dlr?sendId=abc');
      const url = `${hooks.url}${r.url}`;
      expect(
        verifyPlivoWebhook({
          method: 'POST',
          publicUrl: url,
          params: r.params,
          headers: r.headers,
          authToken,
        }),
      ).toBe('valid-v2');
      // The SDK's own V2 validator agrees with ours.
      expect(
        plivo.validateSignature(
          url,
          r.headers['x-plivo-signature-v2-nonce']!,
          r.headers['x-plivo-signature-v2']!,
          authToken,
        ),
      ).toBe(true);
    }
    expect(reports[0]!.params).toMatchObject({
      From: '14045550199',
      To: '14045550101',
      Type: 'sms',
      Units: '1',
    });
  });

  it('answers the documented errors: 401 without api_id, 400 with a reason', async () => {
    const wrong = new plivo.Client(authId, 'not-the-token', { url: fake.apiBaseUrl(authId) });
    await expect(wrong.messages.create('14045550199', '14045550101', 'x')).rejects.toMatchObject({
      status: 401,
    });
    await expect(sdk.messages.create('14045550199', 'not-a-number', 'x')).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('not a valid phone number'),
    });
    const res = await fetch(`${fake.apiBaseUrl(authId)}/Message/`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${authId}:${authToken}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        src: '14045550199',
        powerpack_uuid: 'pp-1',
        dst: '14045550101',
        text: 'x',
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      api_id: expect.any(String),
      error: 'specify either src or powerpack_uuid',
    });
  });

  it('lets an opted-out number receive nothing: 202, then failed with ErrorCode 200', async () => {
    const inbound = await fake.receiveFromCustomer({
      from: '+14045550177',
      to: '+14045550199',
      text: ' stop ',
    });
    expect(inbound.intent).toBe('optout');
    const res = await sdk.messages.create('14045550199', '14045550177', 'Are you still there?', {
      url: statusUrl(),
      method: 'POST',
    });
    expect(res.messageUuid).toHaveLength(1);
    await fake.settle();
    const last = hooks.received
      .filter((r) => r.params['MessageUUID'] === res.messageUuid[0])
      .at(-1);
    expect(last?.params).toMatchObject({ Status: 'failed', ErrorCode: '200' });
    // Plivo's own confirmation went out, not ours.
    expect(fake.list('14045550177').filter((m) => m.origin === 'carrier')).toHaveLength(1);
  });

  it('retries a report our side did not accept, at the (scaled) Plivo schedule', async () => {
    hooks.answerWith(503);
    const res = await sdk.messages.create('14045550199', '14045550102', 'hello', {
      url: statusUrl(),
      method: 'POST',
    });
    await fake.settle();
    const queued = hooks.received.filter(
      (r) => r.params['MessageUUID'] === res.messageUuid[0] && r.params['Status'] === 'queued',
    );
    expect(queued).toHaveLength(4); // the first try and 3 retries
  });

  it('classifies every fault the way sms-dispatch must treat it', async () => {
    const send = () =>
      messaging.send({
        from: '+14045550199',
        to: '+14045550103',
        text: 'hi',
        statusUrl: statusUrl(),
      });
    fake.injectFault({ kind: 'rate-limited' });
    expect(await send()).toMatchObject({ kind: 'refused', retryable: true, status: 429 });
    fake.injectFault({ kind: 'server-error' });
    expect(await send()).toMatchObject({ kind: 'ambiguous' });
    fake.injectFault({ kind: 'hang' });
    expect(await send()).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });
    const before = fake.sentTo('14045550103').length;
    fake.injectFault({ kind: 'accepted-then-500' });
    expect(await send()).toMatchObject({ kind: 'ambiguous' });
    fake.injectFault({ kind: 'accepted-then-drop' });
    expect(await send()).toMatchObject({ kind: 'ambiguous' });
    // Both "ambiguous after acceptance" faults really queued a message: blind retries would duplicate.
    expect(fake.sentTo('14045550103').length - before).toBe(2);
    const refused = new PlivoMessaging({
      authId,
      authToken,
      apiUrl: 'http://127.0.0.1:1',
      lookupUrl: fake.url,
      timeoutMs: 500,
    });
    expect(
      await refused.send({
        from: '+14045550199',
        to: '+14045550103',
        text: 'hi',
        statusUrl: statusUrl(),
      }),
    ).toMatchObject({ kind: 'refused', retryable: true });
    expect(await send()).toMatchObject({ kind: 'accepted' });
  });

  it('finds an ambiguous send in the carrier record, by sender, recipient and time', async () => {
    const window = { from: new Date(Date.now() - 1000), to: new Date(Date.now() + 5000) };
    fake.injectFault({ kind: 'accepted-then-drop' });
    await messaging.send({
      from: '+14045550199',
      to: '+14045550104',
      text: 'hi',
      statusUrl: statusUrl(),
    });
    const { found, complete } = await messaging.outboundBetween(window, {
      from: '+14045550199',
      to: '+14045550104',
    });
    expect(complete).toBe(true);
    expect(found).toHaveLength(1);
    expect(
      await messaging.outboundBetween(window, { from: '+14045550199', to: '+14045550105' }),
    ).toEqual({ found: [], complete: true });
    // Outside the window (Plivo's message_time__gte/__lte, whole seconds): not listed.
    const before = { from: new Date(Date.now() - 60_000), to: new Date(Date.now() - 30_000) };
    expect(
      (await messaging.outboundBetween(before, { from: '+14045550199', to: '+14045550104' })).found,
    ).toEqual([]);
    const mdr = await sdk.messages.get(found[0]!.messageUuid);
    expect(mdr).toMatchObject({ toNumber: '14045550104', messageDirection: 'outbound' });
  });

  it('says when a window holds more pages than it was allowed to read: absence is then unknown', async () => {
    const window = { from: new Date(Date.now() - 1000), to: new Date(Date.now() + 5000) };
    for (let i = 0; i < 45; i++)
      await messaging.send({
        from: '+14045550198',
        to: `+140455502${String(i).padStart(2, '0')}`,
        text: 'hi',
        statusUrl: statusUrl(),
      });
    const match = { from: '+14045550198', to: '+14045550200' };
    expect(await messaging.outboundBetween(window, match, 2)).toMatchObject({ complete: false });
    const all = await messaging.outboundBetween(window, match);
    expect(all.complete).toBe(true);
    expect(all.found).toHaveLength(1); // the oldest, on the last page
  });

  it('answers Lookup with the carrier type, 404 (20404) for an invalid number', async () => {
    fake.setLineType('+14045550111', 'fixed');
    expect(await messaging.lineType('+14045550111')).toBe('fixed');
    expect(await messaging.lineType('+14045550112')).toBe('mobile');
    const res = await fetch(`${fake.url}/v1/Number/12?type=carrier`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${authId}:${authToken}`).toString('base64')}`,
      },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error_code: 20404 });
  });

  it("posts inbound texts signed, with Plivo's MessageIntent", async () => {
    fake.setMessageUrl(`${hooks.url}/inbound`);
    await fake.receiveFromCustomer({ from: '+14045550120', to: '+14045550199', text: 'HELP' });
    await fake.receiveFromCustomer({
      from: '+14045550120',
      to: '+14045550199',
      text: 'Can I cancel my appointment?',
    });
    const posted = hooks.received.filter((r) => r.url === '/inbound');
    expect(posted.map((r) => r.params['MessageIntent'])).toEqual(['help', '']);
    expect(
      verifyPlivoWebhook({
        method: 'POST',
        publicUrl: `${hooks.url}/inbound`,
        params: posted[0]!.params,
        headers: posted[0]!.headers,
        authToken,
      }),
    ).toBe('valid-v2');
  });
});
