import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { signCallEvent } from '@textback/call-ingest';
import { PlivoFake, playCall } from '@textback/plivo-fake';
import { eventually, uniqueTestPrefix } from '@textback/testing';
import type { Clock, RunningService } from '@textback/service-kit';
import {
  plivoApplicationUrls,
  services,
  startPlatform,
  type RunningPlatform,
} from '../src/platform';

export const secrets = {
  CALL_EVENTS_SIGNING_SECRET: 'integration-test-secret-0123',
  ADMIN_API_KEY: 'integration-admin-key-0123456',
  SERVICE_API_KEY: 'integration-service-key-012345',
  PLIVO_AUTH_ID: 'MATESTACCOUNT0000001',
  PLIVO_AUTH_TOKEN: 'integration-plivo-token-01',
  TENANT_SECRETS_KEYS: JSON.stringify({
    keys: [{ kid: 'test-1', key: Buffer.alloc(32, 7).toString('base64') }],
  }),
};

export const seedFile = resolve(__dirname, '../../gateway/seed/franchises.json');

export interface TestPlatform {
  readonly platform: RunningPlatform;
  readonly fake: PlivoFake;
  readonly db: Client;
  readonly prefix: string;
  readonly env: Record<string, string | undefined>;
  url(service: string): string;
  app(): { answer_url: string; hangup_url: string; message_url: string };
  schema(service: string): string;
  decisionOf(callId: string): Promise<{ outcome: string; reason: string | null }>;
  /** `Bearer <token>` of a platform administrator (the bootstrap key exchanged at the gateway). */
  adminAuthorization(): Promise<string>;
  /** `POST /v1/auth/token` as a form, with an optional `Authorization` header. */
  requestToken(
    form: Record<string, string>,
    authorization?: string,
  ): Promise<{ status: number; body: { access_token: string; scope: string; message?: string } }>;
  /**
   * A member of a tenant (default cool-breeze-hvac) made by a platform administrator, with a
   * password when given: its user id and a bearer of its own.
   */
  person(p: {
    email: string;
    role: string;
    password?: string;
    locationIds?: string[];
    tenantId?: string;
    /** A phone for staff texts, with the person's consent to them. */
    phone?: string;
  }): Promise<{ userId: string; authorization: string }>;
  /**
   * Another replica of a service, as Kubernetes runs several: the same schema, the same broker
   * (its consumer group on Kafka), its own port; stopped with the platform.
   */
  replica(service: string): Promise<RunningService>;
  /** A thread of a customer of the tenant at `locationId`, written straight into conversation's table. */
  threadAt(locationId: string, tenantId?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The whole platform against the run's real Kafka and PostgreSQL, with the Plivo fake as the
 * carrier and the seed franchises loaded; short timings so tests don't wait on production pacing.
 */
export async function startTestPlatform(o: {
  transport: 'in-process' | 'kafka';
  name: string;
  without?: string[];
  env?: Record<string, string>;
  /** Pins every service's time (a SettableClock from the testing lib). */
  clock?: Clock;
}): Promise<TestPlatform> {
  const prefix = uniqueTestPrefix(o.name);
  const fake = await new PlivoFake({
    accounts: { [secrets.PLIVO_AUTH_ID]: secrets.PLIVO_AUTH_TOKEN },
    dlrStepMs: 5,
    dlrRetryDelaysMs: [50, 100, 200],
  }).start();
  const env: Record<string, string | undefined> = {
    ...secrets,
    PLIVO_API_URL: fake.url,
    PLIVO_LOOKUP_URL: fake.url,
    // Partners' sandbox brands text through the same fake unless a test brings its own.
    SANDBOX_PLIVO_API_URL: fake.url,
    PLIVO_TIMEOUT_MS: '1000',
    TENANCY_SEED_FILE: seedFile,
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
    KAFKA_TOPIC_PREFIX: `${prefix}.`,
    LOG_LEVEL: 'warn',
    EGRESS_ALLOW_INSECURE: 'true',
    OUTBOX_POLL_MS: '50',
    DISPATCH_POLL_MS: '50',
    PLIVO_DIAL_ACTION_GRACE_MS: '300',
    RECONCILE_AFTER_MS: '500',
    SEND_RETRY_INITIAL_MS: '50',
    SEND_RETRY_MAX_MS: '500',
    SENDER_MESSAGES_PER_SECOND: '50',
    // Plain http on 127.0.0.1: session cookies without `Secure`.
    SESSION_COOKIE_SECURE: 'false',
    // One token lasts a whole spec file (the gateway's maximum).
    ACCESS_TOKEN_TTL_SECONDS: '900',
    CAMPAIGN_MESSAGES_PER_SECOND: '100',
    // The platform's own number: staff texts (sign-in links) come from it.
    PLATFORM_SENDER_NUMBER: '+18885550100',
    ...o.env,
  };
  const platform = await startPlatform({
    env,
    databaseUrl: process.env['DATABASE_URL']!,
    transport: o.transport,
    basePort: 0,
    schemaPrefix: `${prefix}_`,
    ...(o.without ? { without: o.without } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  });
  fake.setMessageUrl(plivoApplicationUrls(platform).message_url);
  const db = new Client({ connectionString: process.env['DATABASE_URL'] });
  await db.connect();
  const schema = (service: string): string => `"${prefix}_${service.replace(/-/g, '_')}"`;
  const replicas: RunningService[] = [];
  // Every consuming service has the seeded locations before a test calls.
  for (const service of [
    'call-ingest',
    'decision',
    'sms-dispatch',
    'conversation',
    'compliance',
  ].filter((s) => !o.without?.includes(s))) {
    await eventually(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${schema(service)}.location_directory`,
        );
        return (rows[0]?.n ?? 0) >= 6;
      },
      { what: `${service} to learn the seeded locations`, timeoutMs: 30_000 },
    );
  }
  const tokenUrl = `${platform.services.get('gateway')!.url}/v1/auth/token`;
  async function admin(): Promise<string> {
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
    });
    if (res.status !== 200) throw new Error(`admin token: ${res.status} ${await res.text()}`);
    return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
  }
  async function exchange(form: Record<string, string>, authorization?: string) {
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(authorization ? { authorization } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });
    return {
      status: res.status,
      body: (await res.json()) as { access_token: string; scope: string; message?: string },
    };
  }
  return {
    platform,
    fake,
    db,
    prefix,
    env,
    url: (service) => platform.services.get(service)!.url,
    app: () => plivoApplicationUrls(platform),
    schema,
    decisionOf: (callId) =>
      eventually(
        async () => {
          const { rows } = await db.query<{ outcome: string; reason: string | null }>(
            `SELECT outcome, reason FROM ${schema('decision')}.textback_decision WHERE call_id = $1`,
            [callId],
          );
          return rows[0];
        },
        { what: `the decision on call ${callId}` },
      ),
    adminAuthorization: admin,
    requestToken: exchange,
    person: async (p) => {
      const gateway = platform.services.get('gateway')!.url;
      const made = await fetch(
        `${gateway}/v1/admin/tenants/${p.tenantId ?? 'cool-breeze-hvac'}/users`,
        {
          method: 'POST',
          headers: { authorization: await admin(), 'content-type': 'application/json' },
          body: JSON.stringify({
            email: p.email,
            name: p.email.split('@')[0],
            role: p.role,
            ...(p.locationIds ? { locationIds: p.locationIds } : {}),
            ...(p.phone ? { phone: p.phone, textConsent: true } : {}),
            signIn: 'refresh-token',
          }),
        },
      );
      if (made.status !== 201) throw new Error(`person: ${made.status} ${await made.text()}`);
      const { refreshToken, userId } = (await made.json()) as {
        refreshToken: string;
        userId: string;
      };
      const token = await exchange({ grant_type: 'refresh_token', refresh_token: refreshToken });
      const authorization = `Bearer ${token.body.access_token}`;
      if (p.password) {
        const set = await fetch(`${gateway}/v1/auth/password`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ password: p.password }),
        });
        if (set.status !== 204) throw new Error(`password: ${set.status} ${await set.text()}`);
      }
      return { userId, authorization };
    },
    threadAt: async (locationId, tenantId = 'cool-breeze-hvac') => {
      const id = randomUUID();
      await db.query(
        `INSERT INTO ${schema('conversation')}.thread (thread_id, tenant_id, location_id, customer_number) VALUES ($1, $2, $3, $4)`,
        [id, tenantId, locationId, `+1404555${String(1000 + Math.floor(Math.random() * 9000))}`],
      );
      return id;
    },
    replica: async (service) => {
      const definition = services.find((s) => s.name === service);
      if (!definition) throw new Error(`no service ${service}`);
      const gateway = platform.services.get('gateway')?.url;
      const running = await definition.start(
        {
          ...env,
          EVENT_TRANSPORT: o.transport,
          DATABASE_URL: process.env['DATABASE_URL'],
          DATABASE_SCHEMA: `${prefix}_${service.replace(/-/g, '_')}`,
          DATABASE_POOL_SIZE: '4',
          HTTP_PORT: '0',
          COMPLIANCE_URL: platform.services.get('compliance')?.url,
        },
        {
          ...(platform.broker ? { inProcessBroker: platform.broker } : {}),
          ...(o.clock ? { clock: o.clock } : {}),
          jwksUrl: () => (gateway ? `${gateway}/.well-known/jwks.json` : undefined),
        },
      );
      replicas.push(running);
      return running;
    },
    stop: async () => {
      for (const r of replicas) await r.stop();
      await db.end();
      await platform.stop();
      await fake.stop();
    },
  };
}

/** Debian's headless Chromium, driven by playwright-core (`CHROMIUM_PATH` to use another). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** Posts a call event to call-ingest, signed as a phone system would sign it. */
export function postCallEvent(callIngestUrl: string, body: object): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(`${callIngestUrl}/v1/call-events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-textback-signature': signCallEvent(
        secrets.CALL_EVENTS_SIGNING_SECRET,
        raw,
        Math.floor(Date.now() / 1000),
      ),
    },
    body: raw,
  });
}

/** Plays one call through Plivo's voice webhooks to the platform's application, signed. */
export function playCallTo(
  t: Pick<TestPlatform, 'app'>,
  call: { from: string; to: string } & Partial<Parameters<typeof playCall>[0]>,
): ReturnType<typeof playCall> {
  return playCall({
    answerUrl: t.app().answer_url,
    hangupUrl: t.app().hangup_url,
    authToken: secrets.PLIVO_AUTH_TOKEN,
    scenario: 'missed',
    ...call,
  });
}
