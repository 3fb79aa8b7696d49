import { PlivoFake, playCall } from '@textback/plivo-fake';
import { eventually, uniqueTestPrefix } from '@textback/testing';
import { Client } from 'pg';
import { plivoApplicationUrls } from '../src/platform';
import { startProcesses, type ProcessPlatform } from '../src/processes';
import { secrets, seedFile } from './test-platform';

/**
 * The deployed topology on one machine (the bench's `--topology processes`, and the chaos runs'
 * base): every service its own Node process on Kafka. A missed call is texted; sms-dispatch is
 * killed and restarted, and the next call is texted once.
 */
describe('every service as its own process', () => {
  let fake: PlivoFake;
  let platform: ProcessPlatform;
  let db: Client;
  const prefix = uniqueTestPrefix('processes');

  beforeAll(async () => {
    fake = await new PlivoFake({
      accounts: { [secrets.PLIVO_AUTH_ID]: secrets.PLIVO_AUTH_TOKEN },
      dlrStepMs: 5,
    }).start();
    platform = await startProcesses({
      env: {
        ...secrets,
        PLIVO_API_URL: fake.url,
        PLIVO_LOOKUP_URL: fake.url,
        PLIVO_TIMEOUT_MS: '2000',
        TENANCY_SEED_FILE: seedFile,
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
        KAFKA_TOPIC_PREFIX: `${prefix}.`,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'warn',
        EGRESS_ALLOW_INSECURE: 'true',
        OUTBOX_POLL_MS: '50',
        DISPATCH_POLL_MS: '50',
        SENDER_MESSAGES_PER_SECOND: '50',
        DATABASE_POOL_SIZE: '3',
        // Answered calls are written 1.5 s after answer_url replies: time to kill call-ingest in between.
        ANSWER_WRITE_DELAY_MS: '1500',
      },
      databaseUrl: process.env['DATABASE_URL']!,
      schemaPrefix: `${prefix}_`,
    });
    fake.setMessageUrl(plivoApplicationUrls(platform).message_url);
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    await eventually(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${prefix}_call_ingest".location_directory`,
        );
        return (rows[0]?.n ?? 0) >= 6;
      },
      { what: 'call-ingest to learn the seeded locations', timeoutMs: 60_000 },
    );
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    await platform?.stop();
    await fake?.stop();
  });

  const missedCall = async (from: string, afterAnswer?: () => Promise<void>) => {
    const app = plivoApplicationUrls(platform);
    const played = await playCall({
      ...(afterAnswer ? { afterAnswer } : {}),
      answerUrl: app.answer_url,
      hangupUrl: app.hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from,
      to: '+14045550100',
      scenario: 'missed',
    });
    const text = await eventually(() => fake.sentTo(from).find((m) => m.status === 'delivered'), {
      what: `the text-back to ${from}`,
      timeoutMs: 60_000,
    });
    return { text, callUuid: played.callUuid };
  };

  it('texts a missed call through seven processes', async () => {
    expect([...platform.services.keys()]).toHaveLength(7);
    for (const service of platform.services.values()) expect(service.pid).toBeGreaterThan(0);
    const { text } = await missedCall('+14045558801');
    expect(text.text).toContain('Cool Breeze Heating & Air');
  }, 90_000);

  it('texts once after sms-dispatch is killed and started again', async () => {
    const before = platform.services.get('sms-dispatch')?.pid;
    await platform.kill('sms-dispatch');
    expect(platform.services.get('sms-dispatch')?.pid).toBeUndefined();
    await platform.restart('sms-dispatch');
    expect(platform.services.get('sms-dispatch')?.pid).not.toBe(before);
    await missedCall('+14045558802');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(fake.sentTo('+14045558802')).toHaveLength(1);
  }, 120_000);

  it('texts once a call whose answer was never written: call-ingest killed between answering and writing', async () => {
    const caller = '+14045558803';
    const { callUuid } = await missedCall(caller, async () => {
      await platform.kill('call-ingest');
      await platform.restart('call-ingest');
    });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(fake.sentTo(caller)).toHaveLength(1);
    // The answer died with the process; the Dial action and hangup rebuilt the call.
    const hooks = await db.query<{ kind: string }>(
      `SELECT kind FROM "${prefix}_call_ingest".plivo_webhook WHERE call_uuid = $1 ORDER BY kind`,
      [callUuid],
    );
    expect(hooks.rows.map((r) => r.kind)).toEqual(['dial-action', 'hangup']);
    const call = await db.query<{ dialed: boolean; outcome: string; caller: string }>(
      `SELECT dialed, outcome, caller_number AS caller FROM "${prefix}_call_ingest".plivo_call WHERE call_uuid = $1`,
      [callUuid],
    );
    expect(call.rows).toEqual([{ dialed: true, outcome: expect.any(String), caller }]);
    expect(call.rows[0]?.outcome).not.toBe('answered');
  }, 180_000);
});
