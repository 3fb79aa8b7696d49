import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@textback/embedded-postgres';
import { PartnerGrpcServer } from '@textback/gateway';
import { PlivoFake } from '@textback/plivo-fake';
import { loadPlatformConfig } from './config';
import { seedDevPeople } from './dev-people';
import { devSecrets } from './dev-secrets';
import { plivoApplicationUrls, startPlatform } from './platform';

const root = resolve(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadPlatformConfig(process.env);
  const dataDir = resolve(config.TEXTBACK_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  let pg: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    pg = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'postgres'),
      port: config.EMBEDDED_POSTGRES_PORT,
    });
    databaseUrl = pg.url;
  }
  const secrets = devSecrets(dataDir, process.env);
  const seedFile = config.TENANCY_SEED_FILE ?? join(root, 'apps/gateway/seed/franchises.json');
  // Without a real Plivo account, the local fake is the carrier: texts land there, never on phones.
  let fake: PlivoFake | undefined;
  if (!config.PLIVO_API_URL) {
    fake = await new PlivoFake({
      accounts: { [secrets.PLIVO_AUTH_ID]: secrets.PLIVO_AUTH_TOKEN },
      port: config.PLIVO_FAKE_PORT || config.TEXTBACK_BASE_PORT + 20,
      dlrStepMs: 50,
    }).start();
  }
  const platform = await startPlatform({
    env: {
      ...process.env,
      ...secrets,
      HTTP_HOST: config.TEXTBACK_HOST,
      // A development platform: webhooks to http://localhost tools are allowed (private ranges never are).
      EGRESS_ALLOW_INSECURE: process.env['EGRESS_ALLOW_INSECURE'] ?? 'true',
      // Plain http on this machine: session cookies without `Secure`.
      SESSION_COOKIE_SECURE: process.env['SESSION_COOKIE_SECURE'] ?? 'false',
      ...(fake ? { PLIVO_API_URL: fake.url, PLIVO_LOOKUP_URL: fake.url } : {}),
      // Partners' sandbox brands text through the local fake too (in production: a fake of its own).
      ...(fake && !process.env['SANDBOX_PLIVO_API_URL'] ? { SANDBOX_PLIVO_API_URL: fake.url } : {}),
      // Staff sign-in texts come from the platform's own number (the fake takes any sender).
      ...(fake
        ? { PLATFORM_SENDER_NUMBER: process.env['PLATFORM_SENDER_NUMBER'] ?? '+18885550100' }
        : {}),
      TENANCY_SEED_FILE: seedFile,
    },
    databaseUrl,
    transport: config.TEXTBACK_TRANSPORT,
    basePort: config.TEXTBACK_BASE_PORT,
  });
  const secretsFile = join(dataDir, 'dev-secrets.json');
  const gateway = platform.services.get('gateway');
  const partnerGrpc = gateway?.app.get(PartnerGrpcServer).address ?? null;
  if (gateway) await seedDevPeople(gateway, seedFile, secretsFile);
  const app = plivoApplicationUrls(platform);
  fake?.setMessageUrl(app.message_url);
  const urls = Object.fromEntries([...platform.services].map(([name, s]) => [name, s.url]));
  // What `npm run simulate` reads to find the platform and the fake.
  writeFileSync(
    join(dataDir, 'platform.json'),
    JSON.stringify(
      {
        services: urls,
        plivoFake: fake?.url ?? null,
        partnerGrpc,
        plivoApplication: app,
        pid: process.pid,
        // Where `npm run admin` finds the gateway's tables (a development database only).
        databaseUrl,
      },
      null,
      2,
    ),
  );
  const lines = [...platform.services.values()].map(
    (s) => `  ${s.name.padEnd(14)} ${s.url}  (/readyz /metrics)`,
  );
  const reach = ['127.0.0.1', 'localhost', '::1'].includes(config.TEXTBACK_HOST)
    ? 'this machine only'
    : `every address of this machine (TEXTBACK_HOST=${config.TEXTBACK_HOST})`;
  process.stdout.write(
    `\nTextback is running (${config.TEXTBACK_TRANSPORT} transport, ${pg ? `embedded PostgreSQL in ${join(dataDir, 'postgres')}` : 'DATABASE_URL'}) — ready in ${Math.round(performance.now() - started)} ms\nListening on ${reach}:\n${lines.join('\n')}\n` +
      (fake ? `  ${'plivo (fake)'.padEnd(14)} ${fake.url}  (texts sent: /__fake/messages)\n` : '') +
      `\nPlivo application: answer_url ${app.answer_url}\n                   hangup_url ${app.hangup_url}\n                   message_url ${app.message_url}\n` +
      `Sign-in tokens (a platform admin; per franchise a brand-admin, location manager, operator, analyst): "people" in ${secretsFile}\n` +
      `Operator inbox: ${platform.services.get('conversation')?.url ?? ''}/inbox (sign in as an operator: email and password from "people")\n` +
      `Analyst page:   ${platform.services.get('reporting')?.url ?? ''}/reports  (reporting API docs: ${platform.services.get('reporting')?.url ?? ''}/v1/reports/docs)\n` +
      `Partner API:    ${gateway?.url ?? ''}/v1/partner/docs (REST; gRPC with reflection on ${partnerGrpc ?? 'off'})\n` +
      `Try: npm run simulate -- missed\n\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void platform
      .stop()
      .then(() => fake?.stop())
      .then(() => pg?.stop())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  // embedded-postgres installs async-exit-hook, which would stop PostgreSQL and exit(143) while
  // the services still drain; this process stops PostgreSQL itself, last.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `textback failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
