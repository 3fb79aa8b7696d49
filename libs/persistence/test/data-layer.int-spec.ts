import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { uniqueTestPrefix } from '@textback/testing';
import {
  addToOutbox,
  col,
  Database,
  openDataSource,
  poolOf,
  RowShapeError,
  scopeOf,
  tenantScope,
} from '../src';
import { aCallEnded } from '@textback/testing';

/** The typed data layer against a real PostgreSQL: rows, transactions, wake-ups, timeouts. */
describe('data layer (typed statements over the pg pool)', () => {
  let ds: DataSource;
  let db: Database;

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema: uniqueTestPrefix('data_layer'),
      statementTimeoutMs: 500,
    });
    db = new Database(poolOf(ds));
    await db.mutate(
      'CREATE TABLE sample (sample_id text PRIMARY KEY, tenant_id text NOT NULL, seen_at timestamptz NOT NULL DEFAULT now(), hits bigint NOT NULL DEFAULT 0)',
    );
  });

  afterAll(async () => {
    await ds.destroy();
  });

  const Sample = z.object({
    sampleId: col.text,
    tenantId: col.tenantId,
    seenAt: col.timestamp,
    hits: col.bigint,
  });

  it('returns rows with camelCase keys, decoded by their schema (bigint as a number, brands applied)', async () => {
    await db.mutate(`INSERT INTO sample (sample_id, tenant_id, hits) VALUES ('a', 'acme', 41)`);
    const row = await db.selectOne(Sample, 'SELECT * FROM sample WHERE sample_id = $1', ['a']);
    expect(row).toEqual({ sampleId: 'a', tenantId: 'acme', seenAt: expect.any(Date), hits: 41 });
    const affected = await db.mutate('UPDATE sample SET hits = hits + 1 WHERE sample_id = $1', [
      'a',
    ]);
    expect(affected).toBe(1);
    expect(await db.selectFirst(Sample, 'SELECT * FROM sample WHERE sample_id = $1', ['z'])).toBe(
      undefined,
    );
  });

  it('refuses a row that does not match its schema, naming the column', async () => {
    await expect(
      db.select(z.object({ missingColumn: col.text }), 'SELECT sample_id FROM sample'),
    ).rejects.toThrow(RowShapeError);
    await expect(
      db.select(z.object({ missingColumn: col.text }), 'SELECT sample_id FROM sample'),
    ).rejects.toThrow(/missingColumn/);
    await expect(db.selectOne(Sample, 'SELECT * FROM sample WHERE false')).rejects.toThrow(
      /expected one row, got 0/,
    );
  });

  it('runs after-commit effects and wakes the outbox only after a commit that wrote outbox rows', async () => {
    const woken: string[] = [];
    db.whenOutboxCommitted(() => woken.push('relay'));
    const effects: string[] = [];
    await db.transaction(async (tx) => {
      tx.afterCommit(() => effects.push('committed'));
      await tx.mutate(`INSERT INTO sample (sample_id, tenant_id) VALUES ('b', 'acme')`);
    });
    expect(effects).toEqual(['committed']);
    expect(woken).toEqual([]); // no outbox row: nothing to relay

    await db.transaction((tx) => addToOutbox(tx, 'call.ended.v1', aCallEnded()));
    expect(woken).toEqual(['relay']);

    await expect(
      db.transaction(async (tx) => {
        tx.afterCommit(() => effects.push('rolled back'));
        await addToOutbox(tx, 'call.ended.v1', aCallEnded());
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(effects).toEqual(['committed']);
    expect(woken).toEqual(['relay']);
  });

  it('cancels a statement that runs past the statement timeout, and the pool stays usable', async () => {
    await expect(db.mutate('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
    await expect(db.transaction((tx) => tx.mutate('SELECT pg_sleep(2)'))).rejects.toThrow(
      /statement timeout/,
    );
    expect(await db.ping()).toBe(true);
  });

  it('a serializable or repeatable-read transaction sees one snapshot', async () => {
    const seen = await db.transaction(
      async (tx) => {
        const before = await tx.selectOne(
          z.object({ n: col.bigint }),
          'SELECT count(*) AS n FROM sample',
        );
        // A write committed by another connection meanwhile is not seen by this snapshot.
        await db.mutate(`INSERT INTO sample (sample_id, tenant_id) VALUES ('c', 'acme')`);
        const after = await tx.selectOne(
          z.object({ n: col.bigint }),
          'SELECT count(*) AS n FROM sample',
        );
        return [before.n, after.n];
      },
      { isolation: 'repeatable read' },
    );
    expect(seen[0]).toBe(seen[1]);
  });

  it('prepares each statement once per connection, and survives a migration that changes a prepared result', async () => {
    // One connection, so the statement prepared first is the one made stale.
    const schema = (ds.options as { schema?: string }).schema ?? '';
    const pool = new Pool({
      connectionString: process.env['DATABASE_URL']!,
      max: 1,
      options: `-c search_path=${schema}`,
    });
    try {
      const one = new Database(pool);
      await one.mutate('CREATE TABLE shape (shape_id text PRIMARY KEY)');
      await one.mutate(`INSERT INTO shape VALUES ('s')`);
      const Shape = z.object({ shapeId: col.text, extra: col.int.optional() });
      const read = 'SELECT * FROM shape';
      expect(await one.select(Shape, read)).toEqual([{ shapeId: 's' }]);
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1',
        [read],
      );
      expect(rows[0]?.n).toBe(1);
      // A newer replica's migration adds a column under the prepared `SELECT *`.
      await ds.query(`ALTER TABLE ${schema}.shape ADD COLUMN extra int DEFAULT 7`);
      // On the pool: sent again on a fresh connection, the stale one dropped.
      expect(await one.select(Shape, read)).toEqual([{ shapeId: 's', extra: 7 }]);
      expect(one.stalePlans).toBe(1);
      // In a transaction, on a connection prepared before the migration: that transaction
      // fails (its caller retries), the connection is dropped, the retry reads the new shape.
      await one.select(Shape, read);
      await ds.query(`ALTER TABLE ${schema}.shape ADD COLUMN later int`);
      await expect(one.transaction((tx) => tx.select(Shape, read))).rejects.toThrow(
        /cached plan must not change result type/,
      );
      expect(await one.transaction((tx) => tx.select(Shape, read))).toEqual([
        { shapeId: 's', extra: 7 },
      ]);
      expect(one.stalePlans).toBe(2);
    } finally {
      await pool.end();
    }
  });

  it('scopes: an event names its tenant and location; a request scope may see all locations', () => {
    const event = { payload: aCallEnded({ locationId: 'loc-1' }) };
    expect(scopeOf(event)).toMatchObject({
      tenantId: event.payload.tenantId,
      locationIds: ['loc-1'],
    });
    expect(tenantScope(event.payload.tenantId)).toMatchObject({ locationIds: 'all' });
  });
});
