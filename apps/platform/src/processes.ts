import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { services } from './platform';
import { exchangeWithin } from '@textback/exchange';
import { servicePreloads } from '@textback/telemetry';

const root = resolve(__dirname, '..', '..', '..');

/** One service running as its own Node process, as in Kubernetes. */
export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  /** Undefined while it is down (killed and not restarted). */
  readonly pid: number | undefined;
}

export interface ProcessPlatform {
  readonly services: ReadonlyMap<string, ServiceProcess>;
  /** Stops one service: SIGKILL (a crash) by default, SIGTERM for a graceful stop. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service again on the same port and schema; resolves once it is ready. */
  restart(name: string): Promise<void>;
  /** What a service printed (its logs), for a failing run to show. */
  output(name: string): string;
  stop(): Promise<void>;
}

export interface ProcessPlatformOptions {
  /** Shared by every service (secrets, Plivo, Kafka); each also gets its schema, port and peers. */
  readonly env: Record<string, string | undefined>;
  readonly databaseUrl: string;
  readonly schemaPrefix?: string;
  readonly without?: readonly string[];
  /** How long a service may take to become ready. */
  readonly readyTimeoutMs?: number;
  /** Writes each service's V8 CPU profile under `<dir>/<service>/` when it exits (bench `--cpu-profile`). */
  readonly cpuProfileDir?: string;
  /** Appends everything each service prints to `<dir>/<service>.log` (bench `--logs`). */
  readonly logDir?: string;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/**
 * Every service as its own Node process on Kafka — the deployed topology, on one machine: each
 * with its own port, schema, pool and event loop, finding its peers by URL (compliance, the
 * gateway's JWKS, the inbox). The bench measures it; chaos runs kill and restart its processes.
 */
export async function startProcesses(o: ProcessPlatformOptions): Promise<ProcessPlatform> {
  const names = services.map((s) => s.name).filter((n) => !o.without?.includes(n));
  const ports = new Map<string, number>();
  for (const name of names) ports.set(name, await freePort());
  const grpcPort = await freePort();
  const urlOf = (name: string): string => `http://127.0.0.1:${ports.get(name) ?? 0}`;
  const children = new Map<string, ChildProcess>();
  const logFiles = new Map<string, WriteStream>();
  const logs = new Map<string, string>();

  const envFor = (name: string): Record<string, string> => {
    const env: Record<string, string | undefined> = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
      ...o.env,
      EVENT_TRANSPORT: 'kafka',
      DATABASE_URL: o.databaseUrl,
      DATABASE_SCHEMA: `${o.schemaPrefix ?? ''}${name.replace(/-/g, '_')}`,
      HTTP_PORT: String(ports.get(name)),
      HTTP_HOST: '127.0.0.1',
      COMPLIANCE_URL: o.env['COMPLIANCE_URL'] ?? urlOf('compliance'),
      AUTH_JWKS_URL: o.env['AUTH_JWKS_URL'] ?? `${urlOf('gateway')}/.well-known/jwks.json`,
      INBOX_URL: o.env['INBOX_URL'] ?? `${urlOf('conversation')}/inbox`,
      CALL_INGEST_URL: o.env['CALL_INGEST_URL'] ?? urlOf('call-ingest'),
      CONVERSATION_URL: o.env['CONVERSATION_URL'] ?? urlOf('conversation'),
      REPORTING_URL: o.env['REPORTING_URL'] ?? urlOf('reporting'),
      GRPC_PORT: o.env['GRPC_PORT'] ?? (name === 'gateway' ? String(grpcPort) : '-1'),
      GRPC_HOST: '127.0.0.1',
    };
    return Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
    );
  };

  const startOne = async (name: string): Promise<void> => {
    logs.set(name, '');
    const child = spawn(
      process.execPath,
      [
        ...(o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(o.cpuProfileDir, name)}`] : []),
        ...servicePreloads(root),
        join(root, `apps/${name}/src/main.ts`),
      ],
      { cwd: root, env: envFor(name), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (o.logDir) mkdirSync(o.logDir, { recursive: true });
    // A stream, not a synchronous append per chunk: a service logging at info would otherwise
    // stall this process (the bench's) on disk writes. One per service, kept across restarts.
    let logFile = logFiles.get(name);
    if (o.logDir && !logFile) {
      logFile = createWriteStream(join(o.logDir, `${name}.log`), { flags: 'a' });
      logFiles.set(name, logFile);
    }
    const keep = (chunk: Buffer): void => {
      // The last 64 KB in memory (enough to say why it failed); all of it in the file if asked.
      logs.set(name, `${logs.get(name) ?? ''}${chunk.toString()}`.slice(-65_536));
      logFile?.write(chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.set(name, child);
    const deadline = performance.now() + (o.readyTimeoutMs ?? 120_000);
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${name} exited (${child.exitCode}):\n${logs.get(name) ?? ''}`);
      const ready = await exchangeWithin(`${urlOf(name)}/readyz`, {}, { timeoutMs: 2_000 })
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) return;
      if (performance.now() > deadline)
        throw new Error(`${name} not ready in time:\n${logs.get(name) ?? ''}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const kill = async (name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };

  const stop = async (): Promise<void> => {
    // Edges first so nothing new comes in while consumers drain.
    for (const name of names) await kill(name, 'SIGTERM');
    await Promise.all([...logFiles.values()].map((f) => new Promise((r) => f.end(r))));
  };

  try {
    await Promise.all(names.map(startOne));
  } catch (err) {
    await Promise.allSettled(names.map((n) => kill(n)));
    throw err;
  }
  return {
    services: new Map(
      names.map((name) => [
        name,
        {
          name,
          url: urlOf(name),
          get pid() {
            const child = children.get(name);
            return child && child.exitCode === null && child.signalCode === null
              ? child.pid
              : undefined;
          },
        },
      ]),
    ),
    kill,
    restart: async (name) => {
      await kill(name);
      await startOne(name);
    },
    output: (name) => logs.get(name) ?? '',
    stop,
  };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); 0 when it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    // The command name may hold spaces: the fields we want follow its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
