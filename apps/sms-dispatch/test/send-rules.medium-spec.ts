import { Client } from 'pg';
import { startCompliance } from '@textback/compliance';
import type { LocationProfile } from '@textback/contracts';
import { EventBus, InProcessBroker, InProcessTransport } from '@textback/messaging';
import { PlivoMessaging } from '@textback/carrier-plivo';
import { PlivoFake } from '@textback/plivo-fake';
import type { RunningService } from '@textback/service-kit';
import {
  aLocation,
  aReplyRequest,
  eventually,
  SettableClock,
  uniqueTestPrefix,
} from '@textback/testing';
import { startSmsDispatch } from '../src/main';

/**
 * The middle tier: sms-dispatch's rules against a real PostgreSQL, on the in-process transport
 * (no Kafka), with its real neighbour compliance, the Plivo fake as the carrier and a pinned
 * clock. Each rule is driven by publishing the request sms-dispatch consumes.
 */
describe('sms-dispatch send rules (middle tier: PostgreSQL, in-process transport, pinned clock)', () => {
  const secrets = {
    ADMIN_API_KEY: 'medium-admin-key-0123456789',
    SERVICE_API_KEY: 'medium-service-key-0123456789',
    PLIVO_AUTH_ID: 'MAMEDIUMTEST00000001',
    PLIVO_AUTH_TOKEN: 'medium-plivo-token-0123',
  };
  const clock = new SettableClock('2026-12-02T12:00:00-05:00'); // a Wednesday, noon in Atlanta
  const broker = new InProcessBroker({ partitions: 2 });
  const prefix = uniqueTestPrefix('medium');
  const schema = `${prefix}_sms_dispatch`;
  let fake: PlivoFake;
  let compliance: RunningService;
  let dispatch: RunningService;
  let bus: EventBus;
  let db: Client;
  let location: LocationProfile;

  beforeAll(async () => {
    fake = await new PlivoFake({
      accounts: { [secrets.PLIVO_AUTH_ID]: secrets.PLIVO_AUTH_TOKEN },
      dlrStepMs: 5,
      clock, // the carrier's record is read by time: its clock is the pinned one
    }).start();
    const env = (service: string) => ({
      ...secrets,
      EVENT_TRANSPORT: 'in-process',
      DATABASE_URL: process.env['DATABASE_URL'],
      DATABASE_SCHEMA: `${prefix}_${service}`,
      DATABASE_POOL_SIZE: '3',
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      OUTBOX_POLL_MS: '50',
    });
    const options = { inProcessBroker: broker, clock };
    compliance = await startCompliance(env('compliance'), options);
    dispatch = await startSmsDispatch(
      {
        ...env('sms_dispatch'),
        COMPLIANCE_URL: compliance.url,
        PLIVO_API_URL: fake.url,
        PLIVO_LOOKUP_URL: fake.url,
        PLIVO_TIMEOUT_MS: '1000',
        DISPATCH_POLL_MS: '50',
        RECONCILE_AFTER_MS: '5000',
        SEND_RETRY_INITIAL_MS: '1000',
        SEND_RETRY_MAX_MS: '4000',
        SENDER_MESSAGES_PER_SECOND: '50',
        CAMPAIGN_MESSAGES_PER_SECOND: '100',
      },
      options,
    );
    bus = new EventBus({ service: 'medium-test', transport: new InProcessTransport(broker) });
    location = aLocation({ tenantId: 'medium-tenant', locationId: 'medium-atlanta' });
    await bus.publish('location.configured.v1', location.locationId, location);
    db = new Client({ connectionString: process.env['DATABASE_URL'] });
    await db.connect();
    await eventually(
      async () => (await db.query(`SELECT 1 FROM "${schema}".location_directory`)).rows.length > 0,
      { what: 'sms-dispatch to know the location' },
    );
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await dispatch?.stop();
    await compliance?.stop();
    await fake?.stop();
  });

  const sendTo = async (to: string) =>
    (
      await db.query<{
        state: string;
        attempts: number;
        error_reason: string | null;
        due_at: Date;
      }>(
        `SELECT state, attempts, error_reason, due_at FROM "${schema}".outbound_sms WHERE to_number = $1`,
        [to],
      )
    ).rows[0];

  it('puts a send the carrier refused, retryably, back to pending with backoff, and sends it when due', async () => {
    fake.injectFault({ kind: 'rate-limited' });
    const reply = aReplyRequest(location, { requestedAt: clock.now().toISOString() });
    await bus.publish('sms.reply-requested.v1', reply.replyId, reply);
    const held = await eventually(
      async () => {
        const row = await sendTo(reply.to);
        return row?.state === 'pending' && row.attempts === 1 ? row : undefined;
      },
      { what: 'the refused send to be back to pending' },
    );
    expect(held.error_reason).toBe('rate limited');
    expect(held.due_at.getTime()).toBeGreaterThan(clock.now().getTime()); // the backoff
    expect(fake.sentTo(reply.to)).toEqual([]);

    clock.advance(5_000); // past the backoff
    await eventually(() => fake.sentTo(reply.to)[0], { what: 'the retried send' });
    await eventually(
      async () => {
        const row = await sendTo(reply.to);
        return row?.attempts === 2 && /accepted|delivered/.test(row.state);
      },
      { what: 'the retried send recorded as sent on its second attempt' },
    );
  });

  it('never resends an ambiguous send: the carrier report or record settles it', async () => {
    // The carrier queues the text but answers 500: sent or not, we cannot tell from the answer.
    fake.injectFault({ kind: 'accepted-then-500' });
    const reply = aReplyRequest(location, {
      purpose: 'operator',
      text: 'Dana here, on my way.',
      requestedAt: clock.now().toISOString(),
    });
    await bus.publish('sms.reply-requested.v1', reply.replyId, reply);
    await eventually(() => fake.sentTo(reply.to)[0], { what: 'the text at the carrier' });
    // Its delivery report, or past RECONCILE_AFTER_MS the carrier's message record, settles it.
    clock.advance(6_000);
    const settled = await eventually(
      async () => {
        const row = await sendTo(reply.to);
        return row && /accepted|delivered/.test(row.state) ? row : undefined;
      },
      { what: 'the send settled as sent' },
    );
    expect(settled.attempts).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.sentTo(reply.to)).toHaveLength(1); // never sent twice
  });

  it('sends again an ambiguous send the carrier never queued, once the carrier can no longer create it', async () => {
    // Answered 500 and not queued: only the record can tell, and only once its window closes
    // (the carrier may create a message up to a minute after our request gave up).
    fake.injectFault({ kind: 'server-error' });
    const reply = aReplyRequest(location, {
      purpose: 'operator',
      text: 'Dana here, running ten minutes late.',
      requestedAt: clock.now().toISOString(),
    });
    await bus.publish('sms.reply-requested.v1', reply.replyId, reply);
    await eventually(async () => (await sendTo(reply.to))?.state === 'unknown', {
      what: 'the ambiguous send to wait for the carrier record',
    });
    clock.advance(6_000); // past RECONCILE_AFTER_MS: read, absent, but the window is open
    const waiting = await eventually(
      async () => {
        const row = await sendTo(reply.to);
        return row && row.due_at.getTime() > clock.now().getTime() + 30_000 ? row : undefined;
      },
      { what: 'the reconcile to wait for the window to close' },
    );
    expect(waiting).toMatchObject({ state: 'unknown', attempts: 1 });
    expect(fake.sentTo(reply.to)).toEqual([]);

    clock.advance(60_000); // the window (claim + 2 × 1 s + 60 s) has closed
    const settled = await eventually(
      async () => {
        const row = await sendTo(reply.to);
        return row && /accepted|delivered/.test(row.state) ? row : undefined;
      },
      { what: 'the send sent again and accepted' },
    );
    expect(settled.attempts).toBe(2);
    expect(fake.sentTo(reply.to).map((m) => m.text)).toEqual([
      'Dana here, running ten minutes late.',
    ]);
  });

  it('settles an ambiguous send from the carrier record read to its end, past more than ten pages of other texts', async () => {
    const to = '+14045557001';
    const send = async (text: string): Promise<string> => {
      const reply = aReplyRequest(location, {
        purpose: 'operator',
        to,
        text,
        requestedAt: clock.now().toISOString(),
      });
      await bus.publish('sms.reply-requested.v1', reply.replyId, reply);
      return reply.replyId;
    };
    const stateOf = async (replyId: string) =>
      (
        await db.query<{ state: string; attempts: number; carrier_message_id: string | null }>(
          `SELECT state, attempts, carrier_message_id FROM "${schema}".outbound_sms WHERE call_id = $1`,
          [replyId],
        )
      ).rows[0];
    // A first text to the same person, sent and recorded: in the same stretch of the record.
    const first = await send('Got it, checking the schedule.');
    await eventually(async () => (await stateOf(first))?.carrier_message_id ?? undefined, {
      what: 'the first text recorded as sent',
    });
    // Queued, answered 500, and its delivery reports never reach us: only the record can tell.
    fake.injectFault({ kind: 'accepted-then-500', reportsLost: true });
    const second = await send('Dana here, on my way.');
    await eventually(async () => (await stateOf(second))?.state === 'unknown', {
      what: 'the ambiguous send to wait for the carrier record',
    });
    // A busy number: 250 more texts after it. The record lists newest first, 20 to a page.
    const account = new PlivoMessaging({
      authId: secrets.PLIVO_AUTH_ID,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      apiUrl: fake.url,
      lookupUrl: fake.url,
      timeoutMs: 5_000,
    });
    for (let i = 0; i < 250; i++)
      await account.send({
        from: location.businessNumbers[0]!,
        to: `+1678555${String(i).padStart(4, '0')}`,
        text: 'Another customer',
        statusUrl: 'http://127.0.0.1:9/nobody-listens',
      });

    clock.advance(6_000); // past RECONCILE_AFTER_MS
    // The record says delivered: its reports were lost, not its outcome.
    const settled = await eventually(
      async () => {
        const row = await stateOf(second);
        return row?.state === 'delivered' ? row : undefined;
      },
      { what: 'the ambiguous send settled from the record' },
    );
    const texts = fake.sentTo(to);
    expect(texts.map((m) => m.text)).toEqual([
      'Got it, checking the schedule.',
      'Dana here, on my way.',
    ]);
    // Its own message, not the earlier text to the same person from the same number.
    expect(settled).toEqual({
      state: 'delivered',
      attempts: 1,
      carrier_message_id: texts[1]?.uuid,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.sentTo(to)).toHaveLength(2); // never sent twice
  });

  it('suppresses an opt-out confirmation asked more than 5 minutes ago', async () => {
    const reply = aReplyRequest(location, {
      purpose: 'opt-out-confirmation',
      text: 'You are unsubscribed. Reply START to resubscribe.',
      requestedAt: new Date(clock.now().getTime() - 6 * 60_000).toISOString(),
    });
    await bus.publish('sms.reply-requested.v1', reply.replyId, reply);
    const done = await eventually(
      async () => {
        const row = await sendTo(reply.to);
        return row?.state === 'suppressed' ? row : undefined;
      },
      { what: 'the late confirmation to be suppressed' },
    );
    expect(done.error_reason).toBe('opt-out confirmation window (5 minutes) passed');
    expect(fake.sentTo(reply.to)).toEqual([]);
  });

  it('holds a follow-up asked at 22:00 local until 08:00 (quiet hours), without sending it', async () => {
    clock.set('2026-12-02T22:00:00-05:00');
    const reply = aReplyRequest(location, { requestedAt: clock.now().toISOString() });
    await bus.publish('sms.reply-requested.v1', reply.replyId, reply);
    const held = await eventually(
      async () => {
        const row = await sendTo(reply.to);
        return row?.error_reason === 'quiet hours' ? row : undefined;
      },
      { what: 'the follow-up to be held' },
    );
    expect(held).toMatchObject({ state: 'pending', attempts: 0 });
    expect(held.due_at.toISOString()).toBe(new Date('2026-12-03T08:00:00-05:00').toISOString());
    expect(fake.sentTo(reply.to)).toEqual([]);
  });
});
