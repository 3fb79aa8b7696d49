import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import {
  parseDial,
  PlivoFake,
  postVoiceWebhookLikePlivo,
  voiceRetryPolicy,
  type DeliveredWebhook,
} from '@textback/plivo-fake';
import { threadCpuSeconds } from './cpu';

export const authId = 'MABENCHACCOUNT000001';
export const authToken = 'bench-auth-token-0001';

/** Two brands' numbers: Cool Breeze (3 locations) and Bright Smile (2), as the seed has them. */
const coolBreeze = {
  tenantId: 'cool-breeze-hvac',
  numbers: ['14045550100', '14045550110', '17705550120'],
};
const brightSmile = { tenantId: 'bright-smile-dental', numbers: ['13035550130', '16025550140'] };
const tenants = [coolBreeze, brightSmile];
/** On the seed's spam list (apps/gateway/seed/franchises.json). */
const SEED_SPAM_NUMBER = '14045550666';

/**
 * How the platform's own voice URLs are configured at Plivo for the bench: the retry settings a
 * deployment gives its application (our Dial action URLs carry their own fragment).
 */
const APPLICATION_RETRIES = 'ct=2000&rt=5000&rc=3&rp=ct,rt,5xx';

export interface DriveOrder {
  rate: number;
  seconds: number;
  drainSeconds: number;
  /** 1: every brand alike; n > 1: the first brand gets n calls for each of the second's. */
  skew: number;
  tenants: number;
}

export interface DriveResult {
  acks: number[];
  answerAcks: number[];
  sendLatencies: number[];
  sendLatenciesByTenant: Record<string, number[]>;
  calls: number;
  lost: number;
  duplicates: number;
  webhookErrors: number;
  gaveUpWebhooks: number;
  shed: number;
  elapsedSeconds: number;
  driverCpuSeconds: number;
}

/**
 * The load generator and the carrier fake, in a worker thread (they must not share an event loop
 * with services running in the bench's own process). It keeps the fake for the whole run and
 * drives each order it is sent: signed missed calls at a steady rate, each webhook delivered the
 * way Plivo would (retried per its policy, given up on when the retries run out).
 */
export async function driverThread(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const fake = await new PlivoFake({ accounts: { [authId]: authToken }, dlrStepMs: 20 }).start();
  port.postMessage({ fakeUrl: fake.url });
  const app = await new Promise<{ answer_url: string; hangup_url: string }>((r) =>
    port.once('message', r),
  );
  const answerUrl = `${app.answer_url}#${APPLICATION_RETRIES}`;
  const hangupUrl = `${app.hangup_url}#${APPLICATION_RETRIES}`;
  await waitForLocations(answerUrl);
  port.postMessage({ ready: true });
  let callNumber = 0;
  for (;;) {
    const order = await new Promise<DriveOrder | 'stop'>((r) => port.once('message', r));
    if (order === 'stop') break;
    const result = await drive(order);
    port.postMessage({ result });
  }
  await fake.stop();
  port.close();

  async function drive(o: DriveOrder): Promise<DriveResult> {
    const cpuBefore = threadCpuSeconds();
    const acks: number[] = [];
    const answerAcks: number[] = [];
    const hangupAt = new Map<string, { at: number; tenantId: string }>();
    let webhookErrors = 0;
    let gaveUpWebhooks = 0;
    let shed = 0;
    const total = Math.round(o.rate * o.seconds);
    const started = performance.now();
    const wallStart = Date.now();
    const inflight = new Set<Promise<void>>();

    const deliver = async (
      url: string,
      params: Record<string, string>,
      into = acks,
    ): Promise<DeliveredWebhook> => {
      const t0 = performance.now();
      const sent = await postVoiceWebhookLikePlivo(url, params, authToken, voiceRetryPolicy(url));
      const took = performance.now() - t0;
      into.push(took);
      if (into !== acks) acks.push(took);
      if (sent.attempts > 1 || sent.gaveUp) webhookErrors += sent.attempts - (sent.gaveUp ? 0 : 1);
      if (sent.exchange?.status === 503) shed++;
      if (sent.gaveUp) gaveUpWebhooks++;
      return sent;
    };

    const tenantOf = (i: number): typeof coolBreeze => {
      if (o.tenants < 2) return tenants[i % tenants.length] ?? coolBreeze;
      return i % (o.skew + 1) < o.skew ? coolBreeze : brightSmile;
    };

    const oneCall = async (i: number): Promise<void> => {
      const n = callNumber++;
      const areas = ['404', '770', '678', '470'];
      let caller = `1${areas[n % 4]}555${String(Math.floor(n / 4) % 10000).padStart(4, '0')}`;
      // The seed's spam number is rightly never texted: the bench would count it as lost.
      if (caller === SEED_SPAM_NUMBER) caller = '14045559999';
      const tenant = tenantOf(i);
      const to = tenant.numbers[i % tenant.numbers.length] ?? '14045550100';
      const callUuid = randomUUID();
      const base = { CallUUID: callUuid, From: caller, To: to, Direction: 'inbound' };
      const answer = await deliver(
        answerUrl,
        { ...base, CallStatus: 'ringing', Event: 'StartApp' },
        answerAcks,
      );
      if (!answer.exchange || answer.gaveUp) return;
      const dial = parseDial(answer.exchange.body);
      if (dial?.action)
        await deliver(dial.action, {
          ...base,
          CallStatus: 'in-progress',
          DialStatus: 'no-answer',
          DialRingStatus: 'true',
          DialHangupCause: 'NO_ANSWER',
          DialALegUUID: callUuid,
          DialBLegUUID: '',
        });
      const sentAt = Date.now();
      const hangup = await deliver(hangupUrl, {
        ...base,
        Event: 'Hangup',
        CallStatus: 'completed',
        HangupCause: 'NORMAL_CLEARING',
        HangupSource: 'Answer XML',
        Duration: '24',
        BillDuration: '60',
      });
      // Only an acknowledged hangup makes the platform owe the caller a text.
      if (!hangup.gaveUp) hangupAt.set(caller, { at: sentAt, tenantId: tenant.tenantId });
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

    // Drain until every call has its text, or texts stop arriving for drainSeconds (then the
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
      // Only the calls owed a text: a caller whose hangup was given up on may be texted too.
      const count = [...textsByCaller().keys()].filter((c) => hangupAt.has(c)).length;
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
    const byTenant: Record<string, number[]> = {};
    let lost = 0;
    let duplicates = 0;
    for (const [caller, call] of hangupAt) {
      const sent = texts.get(caller);
      if (!sent) lost++;
      else {
        if (sent.length > 1) duplicates += sent.length - 1;
        const latency = Math.max(0, Math.min(...sent) - call.at);
        sendLatencies.push(latency);
        (byTenant[call.tenantId] ??= []).push(latency);
      }
    }
    return {
      acks,
      answerAcks,
      sendLatencies,
      sendLatenciesByTenant: byTenant,
      calls: hangupAt.size,
      lost,
      duplicates,
      webhookErrors,
      gaveUpWebhooks,
      shed,
      elapsedSeconds: Math.max(drivenMs, lastText - wallStart) / 1000,
      driverCpuSeconds: threadCpuSeconds() - cpuBefore,
    };
  }
}

/** Until call-ingest has the seeded locations (it answers with a Dial). */
async function waitForLocations(answerUrl: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const probe = await postVoiceWebhookLikePlivo(
      answerUrl,
      {
        CallUUID: randomUUID(),
        From: '14045550199',
        To: '14045550100',
        Direction: 'inbound',
        CallStatus: 'ringing',
      },
      authToken,
    );
    if (probe.exchange?.body.includes('<Dial')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('call-ingest never learned the seeded locations');
}

if (parentPort && (workerData as { role?: string } | undefined)?.role === 'driver')
  void driverThread();
