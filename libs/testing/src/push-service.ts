import { createECDH, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decrypt } from 'http_ece';
import { importJWK, jwtVerify } from 'jose';

/** A browser's side of a subscription: what `PushManager.subscribe` would give the page. */
export interface TestSubscription {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

export interface ReceivedPush {
  readonly subscription: string;
  /** The decrypted payload (RFC 8291, aes128gcm). */
  readonly payload: string;
  readonly urgency: string | undefined;
  readonly ttl: string | undefined;
  /** The VAPID JWT's claims, verified against the key in the request (RFC 8292). */
  readonly claims: { aud: string; sub: string; exp: number };
}

export interface RunningPushService {
  readonly url: string;
  readonly received: ReceivedPush[];
  /** A subscription as a browser would hold it: fresh P-256 keys and an auth secret. */
  subscribe(): TestSubscription;
  /** The push service forgets it: later pushes answer 410 Gone. */
  expire(subscription: TestSubscription): void;
  stop(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/**
 * A push service for tests (no vendor's is reachable here): it checks each request as a real
 * one does — the VAPID JWT signed by the key it names, for this origin, not expired — and
 * decrypts the message with the subscription's private key, so a test reads what a browser
 * would show. A subscription it was told to forget answers 410, an unknown one 404.
 */
export async function startPushService(): Promise<RunningPushService> {
  const keys = new Map<
    string,
    { ecdh: ReturnType<typeof createECDH>; auth: Buffer; gone: boolean }
  >();
  const received: ReceivedPush[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1] ?? '';
      const sub = keys.get(id);
      if (req.method !== 'POST' || !sub) return res.writeHead(404).end();
      if (sub.gone) return res.writeHead(410).end();
      const vapid = /^vapid t=([^,]+),\s*k=([\w-]+)$/.exec(req.headers.authorization ?? '');
      if (!vapid || req.headers['content-encoding'] !== 'aes128gcm')
        return res.writeHead(401).end('VAPID authorization and aes128gcm encoding expected');
      const point = Buffer.from(vapid[2] ?? '', 'base64url');
      const key = await importJWK(
        {
          kty: 'EC',
          crv: 'P-256',
          x: point.subarray(1, 33).toString('base64url'),
          y: point.subarray(33, 65).toString('base64url'),
        },
        'ES256',
      );
      const { payload } = await jwtVerify(vapid[1] ?? '', key, { audience: new URL(url).origin });
      const text = decrypt(await body(req), {
        version: 'aes128gcm',
        privateKey: sub.ecdh,
        authSecret: sub.auth,
      }).toString('utf8');
      received.push({
        subscription: id,
        payload: text,
        urgency: req.headers['urgency'] as string | undefined,
        ttl: req.headers['ttl'] as string | undefined,
        claims: payload as ReceivedPush['claims'],
      });
      res.writeHead(201).end();
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(400).end((err as Error).message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    subscribe() {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      keys.set(id, { ecdh, auth, gone: false });
      return {
        endpoint: `${url}/push/${id}`,
        keys: {
          p256dh: ecdh.getPublicKey().toString('base64url'),
          auth: auth.toString('base64url'),
        },
      };
    },
    expire(subscription) {
      const id = subscription.endpoint.split('/').pop() ?? '';
      const sub = keys.get(id);
      if (sub) sub.gone = true;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
