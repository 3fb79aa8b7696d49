import type { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  EventBus,
  InProcessBroker,
  InProcessTransport,
  provisionTopics,
} from '@textback/messaging';
import { aCallEnded, eventually, uniqueTestPrefix } from '@textback/testing';
import { addToOutbox, Database, handleOnce, openDataSource, OutboxRelay, poolOf } from '../src';

describe('outbox and processed-event store on PostgreSQL', () => {
  let ds: DataSource;
  let db: Database;
  let schema: string;
  let bus: EventBus;
  const received: { id: string; callId: string }[] = [];

  beforeAll(async () => {
    schema = uniqueTestPrefix('persistence');
    ds = await openDataSource({ url: process.env['DATABASE_URL']!, schema });
    db = new Database(poolOf(ds));
    const transport = new InProcessTransport(new InProcessBroker());
    await provisionTopics(transport);
    bus = new EventBus({ service: 'outbox-test', transport });
    bus.subscribe('call.ended.v1', async (e) => {
      received.push({ id: e.metadata.id, callId: e.payload.callId });
    });
    await bus.start();
  });

  afterAll(async () => {
    await bus.stop();
    await ds.destroy();
  });

  it('migrations are idempotent', async () => {
    await expect(ds.runMigrations()).resolves.toEqual([]);
  });

  it('publishes committed rows in order and never the rows of a rolled-back transaction', async () => {
    let statements = 0;
    db.countStatementsWith(() => statements++);
    await db.transaction(async (tx) => {
      // One caller at one location: one key (from the topic table), so one partition and one order.
      for (const callId of ['o-1', 'o-2', 'o-3'])
        await addToOutbox(
          tx,
          'call.ended.v1',
          aCallEnded({ callId, locationId: 'order-test', callerNumber: '+14045550111' }),
        );
    });
    // BEGIN, the three events in one insert (just before the commit), COMMIT.
    expect(statements).toBe(3);
    await db
      .transaction(async (tx) => {
        await addToOutbox(tx, 'call.ended.v1', aCallEnded({ callId: 'rolled-back' }));
        throw new Error('business write failed');
      })
      .catch(() => undefined);
    const relay = new OutboxRelay(db, schema, bus);
    expect(await relay.relayOnce()).toBe(3);
    expect(await relay.relayOnce()).toBe(0);
    await eventually(() => received.length >= 3, { what: 'relayed events' });
    expect(received.map((r) => r.callId)).toEqual(['o-1', 'o-2', 'o-3']);
  });

  it('with a linger, publishes the commits of a moment together, in one pass', async () => {
    const passes: number[] = [];
    const counting = {
      publishAll: async (events: readonly unknown[]) => {
        passes.push(events.length);
        return [];
      },
    };
    const relay = new OutboxRelay(db, schema, counting, { lingerMs: 100, pollMs: 60_000 });
    relay.start(); // its first pass finds nothing
    await new Promise((r) => setTimeout(r, 20));
    // Each commit wakes the relay (it listens to the database's outbox commits).
    for (const callId of ['l-1', 'l-2', 'l-3'])
      await db.transaction((tx) => addToOutbox(tx, 'call.ended.v1', aCallEnded({ callId })));
    await eventually(() => passes.length > 0, { what: 'the lingering pass' });
    await relay.stop();
    expect(passes).toEqual([3]);
  });

  it('publishes nothing while another relay of the schema holds the lock, and then everything once', async () => {
    await db.transaction((tx) =>
      addToOutbox(tx, 'call.ended.v1', aCallEnded({ callId: 'locked-1' })),
    );
    const relay = new OutboxRelay(db, schema, bus);
    let release = (): void => undefined;
    const held = new Promise<void>((res) => (release = res));
    let locked = (): void => undefined;
    const taken = new Promise<void>((res) => (locked = res));
    // Another replica's relay: holds the schema's relay lock until released.
    const other = db.transaction(async (tx) => {
      await tx.select(z.object({}), 'SELECT pg_advisory_xact_lock(hashtext($1))', [
        `outbox:${schema}`,
      ]);
      locked();
      await held;
    });
    await taken;
    expect(await relay.relayOnce()).toBe(0);
    release();
    await other;
    expect(await relay.relayOnce()).toBe(1);
    expect(await relay.relayOnce()).toBe(0);
    await eventually(() => received.some((r) => r.callId === 'locked-1'), {
      what: 'the relayed event',
    });
    expect(received.filter((r) => r.callId === 'locked-1')).toHaveLength(1);
  });

  it('purges published rows past their retention, never an unpublished one', async () => {
    await db.transaction(async (tx) => {
      for (const callId of ['p-old', 'p-recent', 'p-unpublished'])
        await addToOutbox(tx, 'call.ended.v1', aCallEnded({ callId }));
    });
    const q = (sql: string) => ds.query(`SET search_path TO "${schema}"; ${sql}`);
    await q(
      `UPDATE outbox_message SET published_at = now() - interval '8 days' WHERE payload->>'callId' = 'p-old'`,
    );
    await q(
      `UPDATE outbox_message SET published_at = now() - interval '1 hour' WHERE payload->>'callId' = 'p-recent'`,
    );
    const relay = new OutboxRelay(db, schema, bus, { retainPublishedMs: 7 * 86_400_000 });
    expect(await relay.purgeOnce()).toBeGreaterThanOrEqual(1);
    const left = (await ds.query(
      `SELECT payload->>'callId' AS "callId" FROM "${schema}".outbox_message WHERE payload->>'callId' LIKE 'p-%' ORDER BY seq`,
    )) as { callId: string }[];
    expect(left.map((r) => r.callId)).toEqual(['p-recent', 'p-unpublished']);
    expect(await relay.relayOnce()).toBe(1); // the unpublished one still goes out
  });

  it('re-publishes with the same event id when marking failed, so idempotent consumers see one event', async () => {
    await db.transaction((tx) =>
      addToOutbox(tx, 'call.ended.v1', aCallEnded({ callId: 'o-crash' })).then(() => undefined),
    );
    let first = true;
    const flaky = {
      publishAll: async (events: Parameters<EventBus['publishAll']>[0]) => {
        await bus.publishAll(events);
        if (first) {
          first = false;
          throw new Error('crash after publish, before marking');
        }
        return [];
      },
    };
    const relay = new OutboxRelay(db, schema, flaky);
    await expect(relay.relayOnce()).rejects.toThrow('crash after publish');
    expect(await relay.relayOnce()).toBe(1);
    const copies = await eventually(
      () => {
        const c = received.filter((r) => r.callId === 'o-crash');
        return c.length === 2 && c;
      },
      { what: 'two copies' },
    );
    expect(copies[0]!.id).toBe(copies[1]!.id);

    let effects = 0;
    for (const copy of copies)
      await handleOnce(db, 'test-consumer', copy.id, async () => void effects++);
    expect(effects).toBe(1);
  });

  it('handles an event again after its first attempt rolled back', async () => {
    let attempts = 0;
    await expect(
      handleOnce(db, 'test-consumer', 'evt-rollback', async (tx) => {
        attempts++;
        await tx.mutate('SELECT 1');
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await handleOnce(db, 'test-consumer', 'evt-rollback', async () => void attempts++)).toBe(
      true,
    );
    expect(await handleOnce(db, 'test-consumer', 'evt-rollback', async () => void attempts++)).toBe(
      false,
    );
    expect(attempts).toBe(2);
  });
});
