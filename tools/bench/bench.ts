import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { PlivoFake, postVoiceWebhook, parseDial } from '@textback/plivo-fake';
import { resolveInfrastructure, uniqueTestPrefix } from '@textback/testing';
import { plivoApplicationUrls, startPlatform } from '../../apps/platform/src/platform';

/**
 * `npm run bench [-- --rate 500 --seconds 10 --transport kafka|embedded|both --json]`
 *
 * Drives a steady rate of signed missed calls (answer_url → Dial action → hangup_url, as Plivo
 * sends them) through the whole platform to the Plivo fake, and measures: webhook ack latency,
 * hangup → carrier-send latency, sustained calls/s, lost and duplicate texts. In the same run a
 * bare kafkajs three-hop relay gives the ceiling the broker allows on this machine.
 * Carrier pacing (1 msg/s per number) is lifted: this measures our pipeline, not Plivo's limits.
 */
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    transport: { type: 'string', default: 'both' },
    json: { type: 'boolean', default: false },
    'drain-seconds': { type: 'string', default: '20' },
  },
});

const rate = Number(values.rate);
const seconds = Number(values.seconds);
const say = (m: string): void => {
  if (!values.json) process.stderr.write(`${m}\n`);
};

const authId = 'MABENCHACCOUNT000001';
const authToken = 'bench-auth-token-0001';
const businessNumbers = [
  '+14045550100',
  '+14045550110',
  '+17705550120',
  '+13035550130',
  '+15125550150',
];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const round = (n: number): number => Math.round(n * 10) / 10;

export interface BenchResult {
  transport: 'kafka' | 'embedded';
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
  callsPerSecond: number;
  lost: number;
  duplicates: number;
  webhookErrors: number;
  /** PostgreSQL transactions per call across all services (includes idle polling): the cost that bounds throughput here. */
  dbTransactionsPerCall: number;
  /**
   * Milliseconds the main thread (every service; the load generator and the fake run in a
   * worker) was busy per call, from its event-loop utilisation over the run: the CPU budget.
   */
  cpuMsPerCall: number;
}

interface DriverResult {
  acks: number[];
  answerAcks: number[];
  sendLatencies: number[];
  calls: number;
  lost: number;
  duplicates: number;
  webhookErrors: number;
  elapsedSeconds: number;
}

/**
 * The load generator and the carrier fake, in a worker thread: they must not share the event
 * loop that runs the services, or the bench would measure itself.
 */
async function driverThread(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const o = workerData as { rate: number; seconds: number; drainSeconds: number };
  const fake = await new PlivoFake({ accounts: { [authId]: authToken }, dlrStepMs: 20 }).start();
  port.postMessage({ fakeUrl: fake.url });
  const app = await new Promise<{ answer_url: string; hangup_url: string }>((r) =>
    port.once('message', r),
  );

  // Wait for the seeded locations to reach call-ingest.
  for (let i = 0; i < 300; i++) {
    const probe = await postVoiceWebhook(
      app.answer_url,
      {
        CallUUID: randomUUID(),
        From: '14045550199',
        To: '14045550100',
        Direction: 'inbound',
        CallStatus: 'ringing',
      },
      authToken,
    );
    if (probe.body.includes('<Dial')) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const acks: number[] = [];
  const hangupAt = new Map<string, number>(); // caller digits → when the hangup was sent
  let webhookErrors = 0;
  const total = Math.round(o.rate * o.seconds);
  const started = performance.now();
  const wallStart = Date.now();
  const inflight = new Set<Promise<void>>();

  const answerAcks: number[] = [];
  const timed = async (
    url: string,
    params: Record<string, string>,
    into = acks,
  ): Promise<{ ok: boolean; body: string }> => {
    const t0 = performance.now();
    try {
      const res = await postVoiceWebhook(url, params, authToken);
      into.push(performance.now() - t0);
      if (into !== acks) acks.push(performance.now() - t0);
      if (res.status !== 200) webhookErrors++;
      return { ok: res.status === 200, body: res.body };
    } catch {
      webhookErrors++; // no answer within 10 s: Plivo would retry; the call is not owed a text yet
      return { ok: false, body: '' };
    }
  };

  const oneCall = async (i: number): Promise<void> => {
    const areas = ['404', '770', '678', '470'];
    const caller = `1${areas[i % 4]}555${String(Math.floor(i / 4) % 10000).padStart(4, '0')}`;
    const to = (businessNumbers[i % businessNumbers.length] ?? '+14045550100').slice(1);
    const callUuid = randomUUID();
    const base = { CallUUID: callUuid, From: caller, To: to, Direction: 'inbound' };
    const answer = await timed(
      app.answer_url,
      { ...base, CallStatus: 'ringing', Event: 'StartApp' },
      answerAcks,
    );
    if (!answer.ok) return;
    const dial = parseDial(answer.body);
    if (dial?.action) {
      await timed(dial.action.split('#')[0] ?? dial.action, {
        ...base,
        CallStatus: 'in-progress',
        DialStatus: 'no-answer',
        DialRingStatus: 'true',
        DialHangupCause: 'NO_ANSWER',
        DialALegUUID: callUuid,
        DialBLegUUID: '',
      });
    }
    const sentAt = Date.now();
    const hangup = await timed(app.hangup_url, {
      ...base,
      Event: 'Hangup',
      CallStatus: 'completed',
      HangupCause: 'NORMAL_CLEARING',
      HangupSource: 'Answer XML',
      Duration: '24',
      BillDuration: '60',
    });
    // Only an acknowledged hangup makes the platform owe the caller a text.
    if (hangup.ok) hangupAt.set(caller, sentAt);
  };

  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p = oneCall(i).catch(() => void webhookErrors++);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
  await Promise.all([...inflight]);
  const drivenMs = performance.now() - started;

  // Drain until every call has its text, or texts stop arriving for --drain-seconds (then the
  // missing ones count as lost), with a hard cap of 15 minutes.
  const hardDeadline = Date.now() + 15 * 60_000;
  const textsByCaller = (): Map<string, number[]> => {
    const m = new Map<string, number[]>();
    for (const msg of fake.messages.values()) {
      if (msg.origin !== 'api' || msg.createdAt.getTime() < wallStart) continue;
      m.set(msg.to, [...(m.get(msg.to) ?? []), msg.createdAt.getTime()]);
    }
    return m;
  };
  let seen = -1;
  let lastProgress = Date.now();
  for (;;) {
    const count = textsByCaller().size;
    if (count >= hangupAt.size || Date.now() > hardDeadline) break;
    if (count !== seen) {
      seen = count;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > o.drainSeconds * 1000) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  // A moment more, so a late duplicate would be seen.
  await new Promise((r) => setTimeout(r, 1_000));
  const texts = textsByCaller();
  const lastText = Math.max(wallStart, ...[...texts.values()].flat());
  const sendLatencies: number[] = [];
  let lost = 0;
  let duplicates = 0;
  for (const [caller, at] of hangupAt) {
    const sent = texts.get(caller);
    if (!sent) lost++;
    else {
      if (sent.length > 1) duplicates += sent.length - 1;
      sendLatencies.push(Math.max(0, Math.min(...sent) - at));
    }
  }
  const result: DriverResult = {
    acks,
    answerAcks,
    sendLatencies,
    calls: hangupAt.size,
    lost,
    duplicates,
    webhookErrors,
    elapsedSeconds: Math.max(drivenMs, lastText - wallStart) / 1000,
  };
  port.postMessage({ result });
  await new Promise((r) => port.once('message', r)); // the platform has stopped
  await fake.stop();
  port.close();
}

async function runPipeline(
  transport: 'kafka' | 'embedded',
  infra: { kafkaBrokers: string; databaseUrl: string },
): Promise<BenchResult> {
  const prefix = uniqueTestPrefix(`bench${transport}`);
  const driver = new Worker(__filename, {
    workerData: { rate, seconds, drainSeconds: Number(values['drain-seconds']) },
    execArgv: process.execArgv,
  });
  const next = <T>(): Promise<T> =>
    new Promise((r, j) => {
      driver.once('message', r);
      driver.once('error', j);
    });
  const { fakeUrl } = await next<{ fakeUrl: string }>();
  const platform = await startPlatform({
    env: {
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
      TENANCY_SEED_FILE: resolve(__dirname, '../../apps/gateway/seed/franchises.json'),
      KAFKA_BROKERS: infra.kafkaBrokers,
      KAFKA_TOPIC_PREFIX: `${prefix}.`,
      LOG_LEVEL: 'error',
      SENDER_MESSAGES_PER_SECOND: '100000',
      CAMPAIGN_MESSAGES_PER_SECOND: '100000',
      BRAND_DAILY_CAP: '10000000',
      DATABASE_POOL_SIZE: '8',
    },
    databaseUrl: infra.databaseUrl,
    transport: transport === 'kafka' ? 'kafka' : 'in-process',
    basePort: 0,
    schemaPrefix: `${prefix}_`,
  });
  const transactions = async (): Promise<number> => {
    const c = new Client({ connectionString: infra.databaseUrl });
    await c.connect();
    const { rows } = await c.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    await c.end();
    return Number(rows[0]?.n ?? 0);
  };
  const transactionsBefore = await transactions();
  const busyBefore = performance.eventLoopUtilization();
  say(
    `[${transport}] driving ${Math.round(rate * seconds)} missed calls at ${rate}/s for ${seconds}s`,
  );
  const done = next<{ result: DriverResult }>();
  driver.postMessage(plivoApplicationUrls(platform));
  const { result: r } = await done;
  const busy = performance.eventLoopUtilization(busyBefore);
  // Statistics reach pg_stat_database a moment after the transactions.
  await new Promise((res) => setTimeout(res, 1_000));
  const dbTransactionsPerCall = round(
    ((await transactions()) - transactionsBefore) / Math.max(1, r.calls),
  );
  await platform.stop();
  driver.postMessage('stopped');
  await new Promise((res) => driver.once('exit', res));
  const acks = [...r.acks].sort((a, b) => a - b);
  const sends = [...r.sendLatencies].sort((a, b) => a - b);
  const answers = [...r.answerAcks].sort((a, b) => a - b);
  return {
    transport,
    targetCallsPerSecond: rate,
    seconds,
    calls: r.calls,
    webhooks: acks.length,
    ackP50Ms: round(percentile(acks, 50)),
    ackP95Ms: round(percentile(acks, 95)),
    ackP99Ms: round(percentile(acks, 99)),
    answerP99Ms: round(percentile(answers, 99)),
    sendP50Ms: round(percentile(sends, 50)),
    sendP95Ms: round(percentile(sends, 95)),
    sendP99Ms: round(percentile(sends, 99)),
    callsPerSecond: round((r.calls - r.lost) / r.elapsedSeconds),
    lost: r.lost,
    duplicates: r.duplicates,
    webhookErrors: r.webhookErrors,
    dbTransactionsPerCall,
    cpuMsPerCall: round(busy.active / Math.max(1, r.calls)),
  };
}

/** The ceiling: a bare kafkajs relay over three topics (produce → hop → hop → consume). */
async function bareKafkaRelay(brokers: string, messages: number): Promise<number> {
  const prefix = uniqueTestPrefix('relay');
  const kafka = new Kafka({
    clientId: 'bench-relay',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topics = [`${prefix}.hop0`, `${prefix}.hop1`, `${prefix}.hop2`] as const;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: 6 })),
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumers = [];
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  for (let hop = 0; hop < 3; hop++) {
    const consumer = kafka.consumer({ groupId: `${prefix}-hop${hop}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics[hop] ?? topics[0], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const nextTopic = topics[hop + 1];
        if (nextTopic)
          await producer.send({
            topic: nextTopic,
            acks: -1,
            messages: [{ key: message.key, value: message.value }],
          });
        else if (++done === messages) finish();
      },
    });
    consumers.push(consumer);
  }
  const started = performance.now();
  const batch = 50;
  for (let i = 0; i < messages; i += batch) {
    await producer.send({
      topic: topics[0],
      acks: -1,
      messages: Array.from({ length: Math.min(batch, messages - i) }, (_, j) => ({
        key: `k${(i + j) % 97}`,
        value: `{"call":${i + j}}`,
      })),
    });
  }
  await Promise.race([finished, new Promise((r) => setTimeout(r, 120_000))]);
  const perSecond = done / ((performance.now() - started) / 1000);
  for (const c of consumers) await c.disconnect();
  await producer.disconnect();
  return round(perSecond);
}

async function main(): Promise<void> {
  const infra = await resolveInfrastructure();
  for (const line of infra.description) say(line);
  const results: BenchResult[] = [];
  try {
    const which =
      values.transport === 'both'
        ? (['kafka', 'embedded'] as const)
        : [values.transport as 'kafka' | 'embedded'];
    for (const t of which) results.push(await runPipeline(t, infra));
    say('[baseline] bare kafkajs three-hop relay');
    const baseline = await bareKafkaRelay(
      infra.kafkaBrokers,
      Math.max(2000, Math.round(rate * seconds)),
    );
    const out = results.map((r) => ({
      ...r,
      baselineCallsPerSecond: baseline,
      ratioToBaseline: round(r.callsPerSecond / baseline),
    }));
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify(out.length === 1 ? out[0] : { runs: out, ...out[0] })}\n`,
      );
    } else {
      for (const r of out) {
        process.stdout.write(
          [
            `\n${r.transport}: ${r.calls} missed calls at a target of ${r.targetCallsPerSecond}/s`,
            `  webhook ack      p50 ${r.ackP50Ms} ms   p95 ${r.ackP95Ms} ms   p99 ${r.ackP99Ms} ms   answer_url p99 ${r.answerP99Ms} ms   (${r.webhooks} webhooks, ${r.webhookErrors} unanswered or refused)`,
            `  hangup → carrier p50 ${r.sendP50Ms} ms   p95 ${r.sendP95Ms} ms   p99 ${r.sendP99Ms} ms`,
            `  sustained        ${r.callsPerSecond} calls/s   lost ${r.lost}   duplicates ${r.duplicates}   (${r.dbTransactionsPerCall} PostgreSQL transactions, ${r.cpuMsPerCall} ms of main-thread CPU per call)`,
            `  bare kafkajs three-hop relay: ${r.baselineCallsPerSecond} msg/s (pipeline/baseline ${r.ratioToBaseline})`,
          ].join('\n') + '\n',
        );
      }
    }
  } finally {
    await infra.release();
  }
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  void driverThread();
}
