import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { uniqueTestPrefix } from '@textback/testing';
import { Database, handleOnce, openDataSource, outsideBatches, poolOf, type Tx } from '../src';

/** A consumer's batch as one transaction (#17): what joins it, what it keeps, what fails it. */
describe('database batches on PostgreSQL', () => {
  let ds: DataSource;
  let db: Database;
  const Txid = z.object({ txid: z.string() });
  const txid = async (): Promise<string> =>
    (await db.selectOne(Txid, 'SELECT txid_current()::text AS txid')).txid;
  const processed = async (consumer: string): Promise<string[]> =>
    (
      await db.select(
        z.object({ eventId: z.string() }),
        'SELECT event_id FROM processed_event WHERE consumer = $1 ORDER BY event_id',
        [consumer],
      )
    ).map((r) => r.eventId);

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema: uniqueTestPrefix('batches'),
    });
    db = new Database(poolOf(ds));
  });

  afterAll(async () => {
    await ds.destroy();
  });

  it('runs every handleOnce and statement of a batch in one transaction, its reads seeing its writes', async () => {
    const ids: string[] = [];
    const seen: string[][] = [];
    await db.batch(async () => {
      for (const eventId of ['e-1', 'e-2', 'e-3']) {
        await handleOnce(db, 'joined', eventId, async () => {
          ids.push(await txid());
        });
        seen.push(await processed('joined'));
      }
    });
    expect(new Set(ids).size).toBe(1);
    expect(seen).toEqual([['e-1'], ['e-1', 'e-2'], ['e-1', 'e-2', 'e-3']]);
    expect(await processed('joined')).toEqual(['e-1', 'e-2', 'e-3']);
    // Redelivered in a later batch: already handled, skipped.
    let again = 0;
    await db.batch(() => handleOnce(db, 'joined', 'e-2', async () => void again++));
    expect(again).toBe(0);
  });

  it('records a batch of events for a consumer in one statement; an event twice in it is handled once', async () => {
    await handleOnce(db, 'batched', 'b-0', async () => undefined); // handled in an earlier batch
    const ids = ['b-0', 'b-1', 'b-2', 'b-1', 'b-3'];
    const ran: string[] = [];
    let statements = 0;
    db.countStatementsWith(() => statements++);
    await db.batch(
      async () => {
        for (const id of ids) await handleOnce(db, 'batched', id, async () => void ran.push(id));
      },
      ids.map((id) => ({ id, topic: 'call.ended.v1' })),
    );
    db.countStatementsWith(() => undefined);
    expect(ran).toEqual(['b-1', 'b-2', 'b-3']);
    expect(statements).toBe(3); // BEGIN, the one insert of the batch's ids, COMMIT
    expect(await processed('batched')).toEqual(['b-0', 'b-1', 'b-2', 'b-3']);
  });

  it("records, per consumer, only its own topic's events of a batch that holds several topics", async () => {
    const events = [
      { id: 't-1', topic: 'call.ended.v1' },
      { id: 't-2', topic: 'sms.sent.v1' },
      { id: 't-3', topic: 'call.ended.v1' },
    ];
    const ran: string[] = [];
    await db.batch(async () => {
      for (const e of events) {
        const consumer = e.topic === 'call.ended.v1' ? 'topics.calls' : 'topics.texts';
        await handleOnce(db, consumer, e.id, async () => void ran.push(e.id));
      }
    }, events);
    expect(ran).toEqual(['t-1', 't-2', 't-3']);
    expect(await processed('topics.calls')).toEqual(['t-1', 't-3']);
    expect(await processed('topics.texts')).toEqual(['t-2']);
  });

  it('keeps nothing of a batch when one of its statements failed, even if the work caught it', async () => {
    const failed = db.batch(async () => {
      await handleOnce(db, 'failing', 'f-1', async () => undefined);
      await db.mutate('INSERT INTO no_such_table VALUES (1)').catch(() => undefined);
      await handleOnce(db, 'failing', 'f-2', async () => undefined).catch(() => undefined);
    });
    await expect(failed).rejects.toThrow(/no_such_table/);
    expect(await processed('failing')).toEqual([]);
  });

  it('keeps nothing when a nested transaction threw, even if the work caught it', async () => {
    const failed = db.batch(async () => {
      await handleOnce(db, 'nested', 'n-1', async () => undefined);
      await handleOnce(db, 'nested', 'n-2', async () => {
        throw new Error('refused');
      }).catch(() => undefined);
    });
    await expect(failed).rejects.toThrow('refused');
    expect(await processed('nested')).toEqual([]);
    // Alone (as the bus redoes a failed batch), the good one commits.
    await handleOnce(db, 'nested', 'n-1', async () => undefined);
    expect(await processed('nested')).toEqual(['n-1']);
  });

  it('refuses another isolation level inside a batch (the batch fails; alone it runs)', async () => {
    const work = (): Promise<string> =>
      db.transaction(() => txid(), { isolation: 'repeatable read' });
    await expect(db.batch(work)).rejects.toThrow(/cannot join a batch/);
    await expect(work()).resolves.toMatch(/^\d+$/);
  });

  it('runs work kicked outside batches, and work after the batch, in transactions of their own', async () => {
    let inside = '';
    let kicked: Promise<string> = Promise.resolve('');
    let later: Promise<string> = Promise.resolve('');
    await db.batch(async () => {
      inside = await txid();
      kicked = outsideBatches(() => txid());
      await kicked;
      // Started in the batch's context, run after it ended: the pool, not the closed batch.
      later = new Promise((resolve) => setTimeout(() => resolve(txid()), 50));
    });
    expect(await kicked).not.toBe(inside);
    expect(await later).not.toBe(inside);
  });

  it('writes what a batch gathered once, just before its commit; a failing gathered write keeps nothing', async () => {
    const COUNTS = {};
    const writes: { txid: string; handled: string[]; total: number }[] = [];
    const gather = (tx: Tx, n: number): void => {
      const sum = tx.gathered(
        COUNTS,
        () => ({ total: 0 }),
        async (t, s) => {
          if (s.total < 0) await t.mutate('SELECT 1/0');
          writes.push({
            txid: (await t.selectOne(Txid, 'SELECT txid_current()::text AS txid')).txid,
            handled: (
              await t.select(
                z.object({ eventId: z.string() }),
                "SELECT event_id FROM processed_event WHERE consumer = 'gathering' ORDER BY event_id",
              )
            ).map((r) => r.eventId),
            total: s.total,
          });
        },
      );
      sum.total += n;
    };
    let batchTx = '';
    await db.batch(async () => {
      batchTx = await txid();
      for (const [eventId, n] of [
        ['g-1', 1],
        ['g-2', 2],
        ['g-3', 3],
      ] as const)
        await handleOnce(db, 'gathering', eventId, async (tx) => gather(tx, n));
    });
    // Once, in the batch's transaction, after all of its events.
    expect(writes).toEqual([{ txid: batchTx, handled: ['g-1', 'g-2', 'g-3'], total: 6 }]);
    await expect(
      db.batch(() => handleOnce(db, 'gathering', 'g-4', async (tx) => gather(tx, -100))),
    ).rejects.toThrow(/division by zero/);
    expect(await processed('gathering')).toEqual(['g-1', 'g-2', 'g-3']);
  });
});
