import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@textback/embedded-postgres';
import { loadPlatformConfig } from './config';
import { startPlatform } from './platform';

/** Development secrets made once per data dir, so nothing secret is ever committed. */
function devSecrets(dataDir: string): { CALL_EVENTS_SIGNING_SECRET: string } {
  const file = join(dataDir, 'dev-secrets.json');
  if (!existsSync(file)) {
    writeFileSync(file, JSON.stringify({ CALL_EVENTS_SIGNING_SECRET: randomBytes(24).toString('hex') }, null, 2), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as { CALL_EVENTS_SIGNING_SECRET: string };
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadPlatformConfig(process.env);
  const dataDir = resolve(config.TEXTBACK_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  let pg: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: config.EMBEDDED_POSTGRES_PORT });
    databaseUrl = pg.url;
  }
  const secrets = devSecrets(dataDir);
  const platform = await startPlatform({
    env: { ...process.env, CALL_EVENTS_SIGNING_SECRET: config.CALL_EVENTS_SIGNING_SECRET ?? secrets.CALL_EVENTS_SIGNING_SECRET },
    databaseUrl,
    transport: config.TEXTBACK_TRANSPORT,
    basePort: config.TEXTBACK_BASE_PORT,
  });
  const lines = [...platform.services.values()].map((s) => `  ${s.name.padEnd(14)} ${s.url}  (/readyz /metrics)`);
  process.stdout.write(
    `\nTextback is running (${config.TEXTBACK_TRANSPORT} transport, ${pg ? `embedded PostgreSQL in ${join(dataDir, 'postgres')}` : 'DATABASE_URL'}) — ready in ${Date.now() - started} ms\n${lines.join('\n')}\n\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void platform
      .stop()
      .then(() => pg?.stop())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`textback failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
