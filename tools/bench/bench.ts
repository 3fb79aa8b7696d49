import 'reflect-metadata';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread } from 'node:worker_threads';
import { Client } from 'pg';
import { parse } from 'yaml';
import { resolveInfrastructure, uniqueTestPrefix } from '@textback/testing';
import { plivoApplicationUrls, startPlatform } from '../../apps/platform/src/platform';
import { startProcesses } from '../../apps/platform/src/processes';
import { bareKafkaRelay } from './baseline';
import { exchangeWithin } from '@textback/exchange';
import { startTraceSink } from './trace-sink';
import { cpuByProcess, machineBusySeconds, peakMemoryMb, processCpu } from './cpu';
import { authId, authToken, type DriveOrder, type DriveResult } from './driver';

/**
 * `npm run bench [-- --rate 50 --seconds 20 --transport kafka|embedded|both
 *   --topology single|processes --find-max --tenants 2 --skew 10 --json]`
 *
 * Drives a steady rate of signed missed calls (answer_url → Dial action → hangup_url, delivered
 * and retried as Plivo does) through the platform to the Plivo fake, and measures webhook
 * acknowledgement, hangup → carrier-send latency, sustained calls/s, lost and duplicate texts,
 * webhooks given up on, PostgreSQL transactions and CPU per call. `single` runs every service in
 * this process (as `npm start`); `processes` runs each as its own Node process on Kafka (as in
 * Kubernetes). A bare kafkajs three-hop relay gives the broker's ceiling on this machine.
 * Carrier pacing (1 msg/s per number) is lifted: this measures our pipeline, not Plivo's limits.
 */
const usage = `npm run bench -- [options]

  --rate N               calls a second offered (default 500)
  --seconds N            seconds of calls (default 10)
  --transport T          kafka | embedded | both (default both)
  --topology T           single (every service in this process, as npm start) | processes
                         (each service its own Node process, as in Kubernetes; needs kafka)
  --find-max             search the highest rate holding ack p99 ≤ 20, answer_url p99 ≤ 50
                         and hangup → carrier p99 ≤ 250 ms
  --tenants 2 --skew N   two brands, the first offered N calls for each of the second's
  --drain-seconds N      wait this long without a new text before counting the rest lost (20)
  --warm-up N            seconds of calls before the measured run, not counted (10)
  --idle N               measure the warmed platform with no calls for N seconds first
  --profile              also CPU, statements and transactions by process, rows written per
                         table, peak memory
  --logs DIR             processes: each service's warnings and errors to DIR/<service>.log
  --cpu-profile DIR      processes: each service's V8 CPU profile under DIR
  --service-env K=V      a service setting for an experiment (repeatable)
  --json                 one JSON object on stdout, no progress lines
  --help                 this text

The standing budget: npm run bench -- --topology processes --transport kafka --rate 50 --json
`;

function parseOptions() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        rate: { type: 'string', default: '500' },
        seconds: { type: 'string', default: '10' },
        transport: { type: 'string', default: 'both' },
        topology: { type: 'string', default: 'single' },
        'find-max': { type: 'boolean', default: false },
        tenants: { type: 'string', default: '1' },
        skew: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        'drain-seconds': { type: 'string', default: '20' },
        /** Seconds of calls (at the rate, at most 25/s) before the measured run, not counted. */
        'warm-up': { type: 'string', default: '10' },
        /** Also print rows written per call by table (where a call's database work goes). */
        profile: { type: 'boolean', default: false },
        /** `processes` topology: each service's warnings and errors (its last 64 KB) to `<dir>/<service>.log`. */
        logs: { type: 'string' },
        /** `processes` topology: each service's V8 CPU profile is written under this folder. */
        'cpu-profile': { type: 'string' },
        /** A service setting (`KEY=VALUE`, repeatable) for an experiment: services get a fresh environment. */
        'service-env': { type: 'string', multiple: true, default: [] },
        /** Seconds to measure the warmed platform idle (no calls) before the run: its fixed CPU. */
        idle: { type: 'string', default: '0' },
      },
    });
  } catch (err) {
    // An unknown option or a missing value: say which, and what the bench takes.
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    process.exit(2);
  }
}
const { values } = parseOptions();

const rate = Number(values.rate);
const seconds = Number(values.seconds);
const topology = values.topology as 'single' | 'processes';
const say = (m: string): void => {
  if (!values.json) process.stderr.write(`${m}\n`);
};

function serviceSettings(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--service-env: KEY=VALUE, got ${JSON.stringify(pair)}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** The latency targets a rate must hold (issue #17). */
const targets = { ackP99Ms: 20, answerP99Ms: 50, sendP99Ms: 250 };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const round = (n: number): number => Math.round(n * 10) / 10;
/** Three significant digits (a ratio of 0.0404 must not print as 0). */
const significant = (n: number): number => Number(n.toPrecision(3));

/** The platform's CPU with no calls (broker, PostgreSQL and every service), per second. */
interface IdleCpu {
  idleCpuMsPerSecond: number;
  idleCpuMsPerSecondByProcess: Record<string, number>;
}

export interface BenchResult {
  transport: 'kafka' | 'embedded';
  topology: 'single' | 'processes';
  targetCallsPerSecond: number;
  seconds: number;
  calls: number;
  webhooks: number;
  ackP50Ms: number;
  ackP95Ms: number;
  ackP99Ms: number;
  /** answer_url alone: it is in the caller's audio path (target p99 ≤ 50 ms). */
  answerP99Ms: number;
  sendP50Ms: number;
  sendP95Ms: number;
  sendP99Ms: number;
  /** With `--tenants 2`: each brand's hangup → carrier p99 (one brand's burst must not starve another). */
  perTenantSendP99Ms?: Record<string, number>;
  callsPerSecond: number;
  lost: number;
  duplicates: number;
  /** Attempts that got no 200 (each retried or given up, as Plivo would). */
  webhookErrors: number;
  /** Webhooks whose every retry failed: a call Plivo gave up telling us about. */
  gaveUpWebhooks: number;
  /** Webhooks the platform answered 503 (shed load). */
  shed: number;
  /** With `--profile`: rows written per call, by table (`<service>.<table>`). */
  rowsWrittenPerCall?: Record<string, number>;
  /** With `--profile`: CPU ms per completed call by process (services by name, `java` the broker, `postgres`). */
  cpuMsPerCallByProcess?: Record<string, number>;
  /** With `--profile`: each service's peak resident memory since it started, MB (`VmHWM`). */
  peakMemoryMbByProcess?: Record<string, number>;
  /** With `--profile` (`processes`): statements sent to PostgreSQL per call, by service. */
  dbStatementsPerCallByService?: Record<string, number>;
  dbTransactionsPerCallByService?: Record<string, number>;
  /** PostgreSQL transactions per call across all services (includes idle polling). */
  dbTransactionsPerCall: number;
  /**
   * CPU milliseconds per completed call of everything but the load generator and the carrier
   * fake: every service, the broker and PostgreSQL (the machine's busy time, from /proc).
   */
  cpuMsPerCall: number;
}

interface Platform {
  urls: { answer_url: string; hangup_url: string };
  /** The schemas' prefix (this run's tables). */
  prefix: string;
  /** Our service processes by pid (`processes` topology; the bench's own pid for `single`). */
  pids(): ReadonlyMap<number, string>;
  /** Each service's base URL (`processes` topology), for its /metrics. */
  serviceUrls: ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

/**
 * The seed franchises with their brands' daily caps lifted: a cap is a business rule (the
 * texts past it wait for the next local day, as they should), not a capacity limit, and a
 * 5,000-call burst passes the seed's 2,000 a day.
 */
function seedWithoutDailyCaps(): string {
  const seed = JSON.parse(
    readFileSync(resolve(__dirname, '../../apps/gateway/seed/franchises.json'), 'utf8'),
  ) as { tenants: Record<string, unknown>[] };
  for (const tenant of seed.tenants) tenant['brandDailyCap'] = 10_000_000;
  const file = join(mkdtempSync(join(tmpdir(), 'textback-bench-')), 'franchises.json');
  writeFileSync(file, JSON.stringify(seed));
  return file;
}

/** Rows inserted, updated and deleted per table of this run (pg_stat_user_tables). */
async function tableWrites(databaseUrl: string, prefix: string): Promise<Map<string, number>> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  const { rows } = await c.query<{ t: string; n: string }>(
    `SELECT schemaname || '.' || relname AS t, n_tup_ins + n_tup_upd + n_tup_del AS n
       FROM pg_stat_user_tables WHERE schemaname LIKE $1`,
    [`${prefix}%`],
  );
  await c.end();
  return new Map(rows.map((r) => [r.t.slice(prefix.length + 1), Number(r.n)]));
}

/** The chart's tracing (helm values `otel.sampleRatio`): exported, that share of traces recorded. */
function tracedLikeTheChart(endpoint: string): Record<string, string> {
  const chartValues = parse(
    readFileSync(join(__dirname, '..', '..', 'helm', 'textback', 'values.yaml'), 'utf8'),
  ) as { otel: { sampleRatio: number } };
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(chartValues.otel.sampleRatio),
  };
}

async function startTopology(
  transport: 'kafka' | 'embedded',
  infra: { kafkaBrokers: string; databaseUrl: string },
  fakeUrl: string,
): Promise<Platform> {
  const prefix = uniqueTestPrefix(`bench${transport}`);
  const env = {
    CALL_EVENTS_SIGNING_SECRET: 'bench-signing-secret-000000',
    ADMIN_API_KEY: 'bench-admin-key-0000000000',
    SERVICE_API_KEY: 'bench-service-key-000000000',
    TENANT_SECRETS_KEYS: JSON.stringify({
      keys: [{ kid: 'bench', key: Buffer.alloc(32, 1).toString('base64') }],
    }),
    PLIVO_AUTH_ID: authId,
    PLIVO_AUTH_TOKEN: authToken,
    PLIVO_API_URL: fakeUrl,
    PLIVO_LOOKUP_URL: fakeUrl,
    TENANCY_SEED_FILE: seedWithoutDailyCaps(),
    KAFKA_BROKERS: infra.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: `${prefix}.`,
    LOG_LEVEL: values.logs ? 'warn' : 'error',
    SENDER_MESSAGES_PER_SECOND: '100000',
    CAMPAIGN_MESSAGES_PER_SECOND: '100000',
    BRAND_DAILY_CAP: '10000000',
    DATABASE_POOL_SIZE: '8',
    ...serviceSettings(values['service-env']),
  };
  if (topology === 'processes') {
    const traces = await startTraceSink();
    const platform = await startProcesses({
      env: { ...tracedLikeTheChart(traces.endpoint), ...env },
      databaseUrl: infra.databaseUrl,
      schemaPrefix: `${prefix}_`,
      ...(values['cpu-profile'] ? { cpuProfileDir: resolve(values['cpu-profile']) } : {}),
      ...(values.logs ? { logDir: resolve(values.logs) } : {}),
    });
    return {
      urls: plivoApplicationUrls(platform),
      prefix,
      pids: () =>
        new Map(
          [...platform.services.values()].flatMap((s) =>
            s.pid === undefined ? [] : [[s.pid, s.name] as const],
          ),
        ),
      serviceUrls: new Map([...platform.services.values()].map((s) => [s.name, s.url])),
      stop: async () => {
        await platform.stop();
        say(`[traces] ${traces.exports()} span exports received`);
        await traces.stop();
      },
    };
  }
  const platform = await startPlatform({
    env,
    databaseUrl: infra.databaseUrl,
    transport: transport === 'kafka' ? 'kafka' : 'in-process',
    basePort: 0,
    schemaPrefix: `${prefix}_`,
  });
  return {
    urls: plivoApplicationUrls(platform),
    prefix,
    pids: () => new Map([[process.pid, 'platform (with the load generator)']]),
    serviceUrls: new Map(),
    stop: () => platform.stop(),
  };
}

/** A counter's value per service, from each one's /metrics (`<svc>_<metric>`). */
async function countersByService(
  urls: ReadonlyMap<string, string>,
  metric = 'db_statements_total',
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [name, url] of urls) {
    const text = await exchangeWithin(`${url}/metrics`, {}, { timeoutMs: 10_000 }).then(
      (r) => r.text(),
      () => '',
    );
    // `<svc>_db_statements_total{service="…"} 123` (the registry's default label, if any)
    const line = text.split('\n').find((l) => new RegExp(`^\\w+_${metric}[ {]`).test(l));
    if (line) out.set(name, Number(line.split(' ').at(-1)));
  }
  return out;
}

async function transactions(databaseUrl: string): Promise<number> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  const { rows } = await c.query<{ n: string }>(
    'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  await c.end();
  return Number(rows[0]?.n ?? 0);
}

/**
 * One platform (of the chosen topology and transport) and one load generator; `drive` runs a
 * rate against it — several, for `--find-max`.
 */
async function withPipeline<T>(
  transport: 'kafka' | 'embedded',
  infra: { kafkaBrokers: string; databaseUrl: string },
  work: (
    drive: (rate: number, seconds: number) => Promise<BenchResult>,
    idle: (seconds: number) => Promise<IdleCpu>,
  ) => Promise<T>,
): Promise<T> {
  const driver = new Worker(resolve(__dirname, 'driver.ts'), {
    workerData: { role: 'driver' },
    execArgv: process.execArgv,
  });
  const next = <R>(): Promise<R> =>
    new Promise((ok, fail) => {
      driver.once('message', ok);
      driver.once('error', fail);
    });
  const { fakeUrl } = await next<{ fakeUrl: string }>();
  const platform = await startTopology(transport, infra, fakeUrl);
  try {
    const ready = next<{ ready: true }>();
    driver.postMessage(platform.urls);
    await ready;
    const idle = async (forSeconds: number): Promise<IdleCpu> => {
      say(`[${transport}/${topology}] idle for ${forSeconds} s`);
      const [busyBefore, before] = [machineBusySeconds(), processCpu()];
      await new Promise((res) => setTimeout(res, forSeconds * 1000));
      const perSecond = (s: number) => round((s * 1000) / forSeconds);
      return {
        idleCpuMsPerSecond: perSecond(machineBusySeconds() - busyBefore),
        idleCpuMsPerSecondByProcess: Object.fromEntries(
          [...cpuByProcess(before, processCpu(), platform.pids())]
            .map(([name, s]) => [name, perSecond(s)] as const)
            .filter(([, ms]) => ms >= 1)
            .sort((a, b) => b[1] - a[1]),
        ),
      };
    };
    return await work(async (at, forSeconds) => {
      const order: DriveOrder = {
        rate: at,
        seconds: forSeconds,
        drainSeconds: Number(values['drain-seconds']),
        tenants: Number(values.tenants),
        skew: Number(values.skew),
      };
      say(
        `[${transport}/${topology}] driving ${Math.round(at * forSeconds)} missed calls at ${at}/s`,
      );
      const txBefore = await transactions(infra.databaseUrl);
      const writesBefore = values.profile
        ? await tableWrites(infra.databaseUrl, platform.prefix)
        : undefined;
      const cpuBefore = machineBusySeconds();
      const byProcessBefore = values.profile ? processCpu() : undefined;
      const statementsBefore = values.profile
        ? await countersByService(platform.serviceUrls)
        : undefined;
      const transactionsBefore = values.profile
        ? await countersByService(platform.serviceUrls, 'db_transactions_total')
        : undefined;
      const done = next<{ result: DriveResult }>();
      driver.postMessage(order);
      const { result: r } = await done;
      const cpu = machineBusySeconds() - cpuBefore - r.driverCpuSeconds;
      const byProcess = byProcessBefore
        ? cpuByProcess(byProcessBefore, processCpu(), platform.pids())
        : undefined;
      // Statistics reach pg_stat_database a moment after the transactions.
      await new Promise((res) => setTimeout(res, 1_000));
      const tx = (await transactions(infra.databaseUrl)) - txBefore;
      const result = summarise(transport, at, forSeconds, r, tx, cpu);
      if (!writesBefore || !byProcess) return result;
      const completed = Math.max(1, r.calls - r.lost);
      const cpuMsPerCallByProcess = Object.fromEntries(
        [...byProcess]
          .map(([name, s]) => [name, round((s * 1000) / completed)] as const)
          .filter(([, ms]) => ms >= 0.5)
          .sort((a, b) => b[1] - a[1]),
      );
      const after = await tableWrites(infra.databaseUrl, platform.prefix);
      const perCall = [...after]
        .map(
          ([table, n]) =>
            [table, round((n - (writesBefore.get(table) ?? 0)) / Math.max(1, r.calls))] as const,
        )
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1]);
      const byService = (before: Map<string, number> | undefined, now: Map<string, number>) =>
        Object.fromEntries(
          [...now]
            .map(
              ([name, n]) =>
                [name, round((n - (before?.get(name) ?? 0)) / Math.max(1, r.calls))] as const,
            )
            .sort((a, b) => b[1] - a[1]),
        );
      const statementsAfter = await countersByService(platform.serviceUrls);
      const transactionsAfter = await countersByService(
        platform.serviceUrls,
        'db_transactions_total',
      );
      return {
        ...result,
        rowsWrittenPerCall: Object.fromEntries(perCall),
        cpuMsPerCallByProcess,
        peakMemoryMbByProcess: peakMemoryMb(platform.pids()),
        ...(statementsAfter.size > 0
          ? {
              dbStatementsPerCallByService: byService(statementsBefore, statementsAfter),
              dbTransactionsPerCallByService: byService(transactionsBefore, transactionsAfter),
            }
          : {}),
      };
    }, idle);
  } finally {
    await platform.stop();
    driver.postMessage('stop');
    await new Promise((res) => driver.once('exit', res));
  }
}

function summarise(
  transport: 'kafka' | 'embedded',
  at: number,
  forSeconds: number,
  r: DriveResult,
  tx: number,
  cpuSeconds: number,
): BenchResult {
  const completed = Math.max(1, r.calls - r.lost);
  return {
    transport,
    topology,
    targetCallsPerSecond: at,
    seconds: forSeconds,
    calls: r.calls,
    webhooks: r.acks.length,
    ackP50Ms: round(percentile(r.acks, 50)),
    ackP95Ms: round(percentile(r.acks, 95)),
    ackP99Ms: round(percentile(r.acks, 99)),
    answerP99Ms: round(percentile(r.answerAcks, 99)),
    sendP50Ms: round(percentile(r.sendLatencies, 50)),
    sendP95Ms: round(percentile(r.sendLatencies, 95)),
    sendP99Ms: round(percentile(r.sendLatencies, 99)),
    ...(Number(values.tenants) > 1
      ? {
          perTenantSendP99Ms: Object.fromEntries(
            Object.entries(r.sendLatenciesByTenant).map(([t, l]) => [t, round(percentile(l, 99))]),
          ),
        }
      : {}),
    callsPerSecond: round((r.calls - r.lost) / r.elapsedSeconds),
    lost: r.lost,
    duplicates: r.duplicates,
    webhookErrors: r.webhookErrors,
    gaveUpWebhooks: r.gaveUpWebhooks,
    shed: r.shed,
    dbTransactionsPerCall: round(tx / Math.max(1, r.calls)),
    cpuMsPerCall: round((cpuSeconds * 1000) / completed),
  };
}

/** Whether a run held the latency targets with nothing lost or given up. */
function holds(r: BenchResult): boolean {
  return (
    r.ackP99Ms <= targets.ackP99Ms &&
    r.answerP99Ms <= targets.answerP99Ms &&
    r.sendP99Ms <= targets.sendP99Ms &&
    r.lost === 0 &&
    r.duplicates === 0 &&
    r.gaveUpWebhooks === 0
  );
}

/**
 * The highest rate that holds the targets: doubling from `--rate` until a run fails, then
 * halving the gap between the last that held and the first that did not (to within 10 %).
 */
async function findMax(
  drive: (rate: number, seconds: number) => Promise<BenchResult>,
): Promise<{ maxCallsPerSecond: number; runs: BenchResult[] }> {
  const runs: BenchResult[] = [];
  let good = 0;
  let bad = Infinity;
  let at = Math.max(1, rate);
  while (bad === Infinity && at <= 2_000) {
    const r = await drive(at, seconds);
    runs.push(r);
    if (holds(r)) [good, at] = [at, at * 2];
    else bad = at;
  }
  while (bad !== Infinity && bad - good > Math.max(1, good * 0.1)) {
    const mid = Math.round((good + bad) / 2);
    const r = await drive(mid, seconds);
    runs.push(r);
    if (holds(r)) good = mid;
    else bad = mid;
  }
  return { maxCallsPerSecond: good, runs };
}

/** A number option, or a clear refusal (`--rate fast` must not run a NaN-rate bench). */
function checkNumbers(): void {
  for (const name of [
    'rate',
    'seconds',
    'tenants',
    'skew',
    'drain-seconds',
    'warm-up',
    'idle',
  ] as const) {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < 0 || ((name === 'rate' || name === 'seconds') && n <= 0))
      throw new Error(
        `--${name}: a ${name === 'rate' || name === 'seconds' ? 'positive' : 'non-negative'} number, got ${JSON.stringify(values[name])}\n\n${usage}`,
      );
  }
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  checkNumbers();
  if (topology !== 'single' && topology !== 'processes')
    throw new Error('--topology: single or processes');
  if (topology === 'processes' && values.transport !== 'kafka')
    throw new Error(
      '--topology processes needs --transport kafka (the in-process transport cannot span processes)',
    );
  const infra = await resolveInfrastructure();
  for (const line of infra.description) say(line);
  try {
    const which =
      values.transport === 'both'
        ? (['kafka', 'embedded'] as const)
        : [values.transport as 'kafka' | 'embedded'];
    const results: (BenchResult &
      Partial<IdleCpu> & { maxCallsPerSecond?: number; search?: BenchResult[] })[] = [];
    for (const t of which)
      results.push(
        await withPipeline(t, infra, async (drive, idle) => {
          // A deployed platform is warm: the first run (JIT, pools, consumer groups, prepared
          // statements, the broker's own JIT) is not counted.
          const warmUp = Number(values['warm-up']);
          if (warmUp > 0) await drive(Math.max(1, Math.min(rate, 25)), warmUp);
          const idleSeconds = Number(values.idle);
          const atRest = idleSeconds > 0 ? await idle(idleSeconds) : {};
          if (!values['find-max']) return { ...atRest, ...(await drive(rate, seconds)) };
          const { maxCallsPerSecond, runs } = await findMax(drive);
          const best = runs.filter(holds).at(-1) ?? runs[0];
          if (!best) throw new Error('--find-max: no run');
          return { ...atRest, ...best, maxCallsPerSecond, search: runs };
        }),
      );
    say('[baseline] bare kafkajs three-hop relay');
    const baseline = await bareKafkaRelay(
      infra.kafkaBrokers,
      Math.max(2000, Math.round(rate * seconds)),
    );
    const out = results.map((r) => ({
      ...r,
      baselineCallsPerSecond: baseline,
      ratioToBaseline: significant(r.callsPerSecond / baseline),
    }));
    if (values.json)
      process.stdout.write(
        `${JSON.stringify(out.length === 1 ? out[0] : { runs: out, ...out[0] })}\n`,
      );
    else for (const r of out) process.stdout.write(describe(r));
  } finally {
    await infra.release();
  }
}

function describe(
  r: BenchResult &
    Partial<IdleCpu> & {
      baselineCallsPerSecond: number;
      ratioToBaseline: number;
      maxCallsPerSecond?: number;
    },
): string {
  return (
    [
      `\n${r.transport} (${r.topology}): ${r.calls} missed calls at a target of ${r.targetCallsPerSecond}/s`,
      `  webhook ack      p50 ${r.ackP50Ms} ms   p95 ${r.ackP95Ms} ms   p99 ${r.ackP99Ms} ms   answer_url p99 ${r.answerP99Ms} ms   (${r.webhooks} webhooks, ${r.webhookErrors} failed attempts, ${r.gaveUpWebhooks} given up, ${r.shed} shed)`,
      `  hangup → carrier p50 ${r.sendP50Ms} ms   p95 ${r.sendP95Ms} ms   p99 ${r.sendP99Ms} ms${r.perTenantSendP99Ms ? `   per brand p99 ${JSON.stringify(r.perTenantSendP99Ms)}` : ''}`,
      `  sustained        ${r.callsPerSecond} calls/s   lost ${r.lost}   duplicates ${r.duplicates}   (${r.dbTransactionsPerCall} PostgreSQL transactions, ${r.cpuMsPerCall} ms CPU per call)`,
      ...(r.rowsWrittenPerCall
        ? [`  rows written per call: ${JSON.stringify(r.rowsWrittenPerCall)}`]
        : []),
      ...(r.cpuMsPerCallByProcess
        ? [`  CPU ms per call by process: ${JSON.stringify(r.cpuMsPerCallByProcess)}`]
        : []),
      ...(r.peakMemoryMbByProcess
        ? [`  peak resident memory, MB: ${JSON.stringify(r.peakMemoryMbByProcess)}`]
        : []),
      ...(r.dbStatementsPerCallByService
        ? [`  statements per call by service: ${JSON.stringify(r.dbStatementsPerCallByService)}`]
        : []),
      ...(r.dbTransactionsPerCallByService
        ? [
            `  transactions per call by service: ${JSON.stringify(r.dbTransactionsPerCallByService)}`,
          ]
        : []),
      ...(r.idleCpuMsPerSecondByProcess
        ? [
            `  idle (no calls): ${r.idleCpuMsPerSecond} ms CPU a second, by process ${JSON.stringify(r.idleCpuMsPerSecondByProcess)}`,
          ]
        : []),
      ...(r.maxCallsPerSecond !== undefined
        ? [`  highest rate holding the targets: ${r.maxCallsPerSecond} calls/s`]
        : []),
      `  bare kafkajs three-hop relay: ${r.baselineCallsPerSecond} msg/s (pipeline/baseline ${r.ratioToBaseline})`,
    ].join('\n') + '\n'
  );
}

if (isMainThread)
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
