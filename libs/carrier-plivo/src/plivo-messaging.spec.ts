import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExchangeTimeoutError } from '@textback/exchange';
import { classifySendFailure, PlivoMessaging } from './plivo-messaging';

describe('the Plivo seam when the carrier does not answer', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Takes every request and never answers; Lookup gets its headers and half a body.
    server = createServer((req, res) => {
      if (req.url?.startsWith('/v1/Number/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"carrier":');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const messaging = (): PlivoMessaging =>
    new PlivoMessaging({
      authId: 'MAFAKEACCOUNT0000001',
      authToken: 'fake-auth-token-0001',
      apiUrl: url,
      lookupUrl: url,
      timeoutMs: 200,
    });

  it('a send the carrier never answers is ambiguous (it may have been queued), not a hang', async () => {
    const result = await messaging().send({
      from: '+14045550100',
      to: '+14045550101',
      text: 'Hi',
      statusUrl: 'https://example.com/status',
    });
    expect(result).toMatchObject({ kind: 'ambiguous' });
  });

  it('a Lookup whose answer stops half-way ends at the deadline', async () => {
    await expect(messaging().lineType('+14045550101')).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('our own deadline over the SDK reads as ambiguous, like its timeout', () => {
    expect(classifySendFailure(new ExchangeTimeoutError('no answer within 1200 ms'))).toEqual({
      kind: 'ambiguous',
      reason: 'timeout',
    });
    expect(classifySendFailure('Error: connect ECONNREFUSED 127.0.0.1:1')).toMatchObject({
      kind: 'refused',
      retryable: true,
    });
  });
});
