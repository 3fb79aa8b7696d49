import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { bootstrapAccess, newSecretKeyRing, newSigningKey } from '@textback/auth';
import { InProcessBroker } from '@textback/messaging';
import { createRuntime } from '@textback/service-kit';
import { createLogger } from '@textback/telemetry';
import { AppModule, gatewayMigrations } from '../app.module';
import { loadGatewayConfig } from '../config';
import { adminCommands, adminUsage, type Flags } from './admin-commands';

/**
 * `npm run admin -- <command>`: the gateway's use cases on its database, without its HTTP server
 * — how the first platform administrator is made, and how operators script the rest. Events it
 * records (a new location) wait in the outbox for the running gateway to publish.
 */
export async function runAdmin(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  write: (text: string) => void,
): Promise<number> {
  const text = { type: 'string' } as const;
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      email: text,
      name: text,
      file: text,
      tenant: text,
      id: text,
      locations: text,
      group: text,
      role: text,
      permissions: text,
      expires: text,
      key: text,
      scopes: text,
      client: text,
      user: text,
      'active-from': text,
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const [name, ...args] = positionals;
  const command = name ? adminCommands[name] : undefined;
  const offline = name ? offlineCommands[name] : undefined;
  if (values['help']) {
    write(`${adminUsage}\n`);
    return 0;
  }
  if (offline) {
    const kid = values['id'] ?? `k-${randomBytes(3).toString('hex')}`;
    write(`${JSON.stringify(await offline(kid, values['active-from']))}\n`);
    return 0;
  }
  if (!command) {
    write(`${adminUsage}\n`);
    return 2;
  }
  const config = loadGatewayConfig({
    ...env,
    DATABASE_URL: env['DATABASE_URL'] ?? runningDatabase(env),
    DATABASE_SCHEMA: env['DATABASE_SCHEMA'] ?? 'gateway',
    EVENT_TRANSPORT: 'in-process',
    LOG_LEVEL: env['LOG_LEVEL'] ?? 'error',
    TENANCY_SEED_FILE: undefined,
  });
  const runtime = await createRuntime({
    service: 'gateway-admin',
    config,
    // Output is for the person (or `--json` for a script): logs go to stderr.
    logger: createLogger('gateway-admin', config.LOG_LEVEL, process.stderr),
    migrations: gatewayMigrations,
    inProcessBroker: new InProcessBroker(),
  });
  const app = await NestFactory.createApplicationContext(AppModule.register(runtime), {
    logger: false,
  });
  try {
    const actor = { ...bootstrapAccess(), subject: `cli:${userInfo().username}` };
    const flags: Flags = Object.fromEntries(
      Object.entries(values).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
    );
    const result = await command({ get: (type) => app.get(type), actor }, flags, args);
    write(values['json'] ? `${JSON.stringify(result, null, 2)}\n` : human(result));
    return 0;
  } catch (err) {
    write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await app.close();
    await runtime.close();
  }
}

/** Commands that make a key for a Secret (no database): the JSON to add to its ring. */
const offlineCommands: Record<string, (kid: string, activeFrom?: string) => Promise<object>> = {
  'new-signing-key': async (kid, activeFrom) => ({
    ...(await newSigningKey(kid)),
    ...(activeFrom ? { activeFrom: new Date(activeFrom).toISOString() } : {}),
  }),
  'new-secrets-key': (kid) => Promise.resolve(newSecretKeyRing(kid).keys[0] ?? {}),
};

/** The database of the platform `npm start` runs (its data dir records it). */
function runningDatabase(env: Record<string, string | undefined>): string | undefined {
  const file = join(env['TEXTBACK_DATA_DIR'] ?? 'data', 'platform.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { databaseUrl?: string }).databaseUrl;
}

function human(result: unknown): string {
  if (Array.isArray(result)) {
    if (result.length === 0) return '(none)\n';
    return `${result.map((row) => line(row)).join('\n')}\n`;
  }
  return `${line(result)}\n`;
}

function line(row: unknown): string {
  if (typeof row !== 'object' || row === null) return String(row);
  return Object.entries(row)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('  ');
}

if (require.main === module)
  runAdmin(process.argv.slice(2), process.env, (t) => process.stdout.write(t)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`admin: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
