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

  const missedCall = async (from: string) => {
    const app = plivoApplicationUrls(platform);
    await playCall({
      answerUrl: app.answer_url,
      hangupUrl: app.hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from,
      to: '+14045550100',
      scenario: 'missed',
    });
    return eventually(() => fake.sentTo(from).find((m) => m.status === 'delivered'), {
      what: `the text-back to ${from}`,
      timeoutMs: 60_000,
    });
  };

  it('texts a missed call through seven processes', async () => {
    expect([...platform.services.keys()]).toHaveLength(7);
    for (const service of platform.services.values()) expect(service.pid).toBeGreaterThan(0);
    const text = await missedCall('+14045558801');
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
});
