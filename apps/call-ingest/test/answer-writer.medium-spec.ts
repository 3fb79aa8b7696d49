import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { Database, openDataSource, poolOf, systemScope } from '@textback/persistence';
import type { ServiceRuntime } from '@textback/service-kit';
import { createLogger, createMetricsRegistry } from '@textback/telemetry';
import { eventually, schemaSession, uniqueTestPrefix } from '@textback/testing';
import { callIngestMigrations } from '../src/app.module';
import type { CallIngestConfig } from '../src/config';
import { AnswerWriter } from '../src/plivo-voice/answer-writer';
import { CallFinalizer } from '../src/plivo-voice/call-finalizer';
import { VoiceWebhookApplier } from '../src/plivo-voice/voice-webhook-applier';
import { voiceWebhookQueue } from '../src/plivo-voice/voice-webhook-queue.repository';

/**
 * The voice-webhook applier flushes the answers buffered so far before it looks for their calls;
 * the buffer's own timer may be flushing at the same moment. Whichever caller comes second must
 * still wait for the write in flight: returning early made the applier rebuild a call whose
 * answer was being written (found by the trace test in CI, where the rebuilt call lost its
 * trace).
 */
describe('answers buffered by call-ingest (middle tier: PostgreSQL)', () => {
  const schema = uniqueTestPrefix('answers');
  let ds: DataSource;
  let db: Database;
  let locker: Client;
  let writer: AnswerWriter;
  let applier: VoiceWebhookApplier;

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema,
      migrations: callIngestMigrations,
    });
    db = new Database(poolOf(ds));
    locker = await schemaSession(schema, `${schema}-locker`);
    const runtime = {
      db,
      // Long enough that only the test's flushes write, and the applier runs when called.
      config: { ANSWER_WRITE_DELAY_MS: 10_000, VOICE_APPLY_DELAY_MS: 1_000 } as CallIngestConfig,
      logger: createLogger('call-ingest', 'silent'),
      registry: createMetricsRegistry('call-ingest'),
      clock: { now: () => new Date() },
      transaction: <T>(work: Parameters<Database['transaction']>[0]) =>
        db.transaction(work) as Promise<T>,
    } as unknown as ServiceRuntime<CallIngestConfig>;
    writer = new AnswerWriter(runtime);
    // No location is known: a call rebuilt from its callbacks would not be texted at all.
    const noLocations = { locationOfNumber: () => undefined };
    applier = new VoiceWebhookApplier(
      runtime,
      new CallFinalizer(runtime),
      writer,
      noLocations as never,
    );
  });

  afterAll(async () => {
    await writer?.onModuleDestroy();
    await locker?.end();
    await ds?.destroy();
  });

  const answer = (callUuid: string) => ({
    nonce: randomUUID(),
    callUuid,
    tenantId: 'answers-tenant',
    locationId: 'answers-location',
    businessNumber: '+14045550100',
    callerNumber: '+14045550101',
    dialed: false,
    screened: false,
    traceparent: null,
    answeredAt: new Date('2026-12-07T09:00:00Z'),
  });

  it('a flush that finds another flush writing returns only once that write is done', async () => {
    const callUuid = randomUUID();
    expect(writer.write(answer(callUuid))).toBe(true);
    // Hold the write: the table is locked until the test commits.
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE plivo_call IN EXCLUSIVE MODE');
    const first = writer.flush(); // the timer's flush
    let secondDone = false;
    const second = writer.flush().then(() => (secondDone = true)); // the applier's
    await eventually(
      async () =>
        (
          await locker.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [schema],
          )
        ).rows[0]!.n === '1',
      { what: 'the answer write to wait for the lock' },
    );
    expect(secondDone).toBe(false);
    await locker.query('COMMIT');
    await Promise.all([first, second]);
    const { rows } = await locker.query(`SELECT call_uuid FROM plivo_call WHERE call_uuid = $1`, [
      callUuid,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('answers buffered while a write is in flight are written by the next flush', async () => {
    const early = randomUUID();
    const late = randomUUID();
    writer.write(answer(early));
    const first = writer.flush();
    writer.write(answer(late));
    await writer.flush();
    await first;
    const { rows } = await locker.query(
      `SELECT call_uuid FROM plivo_call WHERE call_uuid = ANY($1::text[])`,
      [[early, late]],
    );
    expect(rows).toHaveLength(2);
  });

  it("a call's callbacks wait for its answer when it was given just after the applier's flush", async () => {
    const callUuid = randomUUID();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await voiceWebhookQueue.acceptEach(db, systemScope('test', { info: () => undefined }), [
      {
        nonce: randomUUID(),
        callUuid,
        detail: '',
        fields: {
          kind: 'hangup',
          from: '+14045550101',
          to: '+14045550100',
          cause: 'NORMAL_CLEARING',
          source: 'Caller',
          durationSeconds: 12,
        },
      },
    ]);
    // The applier's flush finds nothing; the answer lands in the buffer right after it.
    const run = applier.applyBatch();
    writer.write({ ...answer(callUuid), traceparent });
    expect(await run).toBe(0);
    const pending = () =>
      locker.query(`SELECT 1 FROM plivo_webhook WHERE call_uuid = $1 AND applied_at IS NULL`, [
        callUuid,
      ]);
    expect((await pending()).rows).toHaveLength(1);

    await writer.flush();
    expect(await applier.applyBatch()).toBe(1);
    expect((await pending()).rows).toHaveLength(0);
    const { rows } = await locker.query<{
      traceparent: string | null;
      hangup_cause: string | null;
    }>(`SELECT traceparent, hangup_cause FROM plivo_call WHERE call_uuid = $1`, [callUuid]);
    // The call as answered (its trace kept), with its hangup.
    expect(rows).toEqual([{ traceparent, hangup_cause: 'NORMAL_CLEARING' }]);
  });
});
