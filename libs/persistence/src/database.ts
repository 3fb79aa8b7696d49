import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient } from 'pg';
import type { z } from 'zod';
import { asError, runPrepared } from './prepared-statements';
import { Statements, type Queryable, type Sql, type Tx } from './sql';
import { Transaction } from './transaction';

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

/** The batch transaction each database has open in this async context (see `Database.batch`). */
const batches = new AsyncLocalStorage<ReadonlyMap<Database, Transaction>>();

/**
 * Runs `work` outside any batch: background work a handler kicks (a worker pass, a relay pass)
 * must not join the handler's uncommitted transaction.
 */
export function outsideBatches<T>(work: () => T): T {
  return batches.exit(work);
}

export interface BatchEvents {
  readonly tx: Tx;
  /** Each event of the batch: id → topic (a batch may hold several partitions and topics). */
  readonly eventTopics: ReadonlyMap<string, string>;
  readonly freshByConsumer: Map<string, Set<string>>;
}

export class BatchIsolationError extends Error {
  override readonly name = 'BatchIsolationError';
}

/**
 * One service's database: the pool TypeORM opened (migrations stay TypeORM's), used directly.
 * `transaction(fn)` commits or rolls back, then wakes the outbox relay if the transaction wrote
 * outbox rows and runs the effects registered with `afterCommit`.
 */
export class Database implements Sql {
  private readonly statements: Statements;
  private onOutboxCommitted: () => void = () => undefined;

  /** Statements refused for a plan a migration made stale (each retried, or its transaction). */
  stalePlans = 0;
  /** Connections holding a stale prepared statement: released as broken, so the pool drops them. */
  private readonly staleClients = new WeakSet<PoolClient>();

  /**
   * Round trips to PostgreSQL (every statement, BEGIN and COMMIT included) and whether each
   * opens a transaction (a BEGIN, or a statement on its own): metrics.
   */
  private counted: (opensTransaction: boolean) => void = () => undefined;

  constructor(
    /** For libraries that take a pg pool themselves (the rate limiter's store): still one pool. */
    readonly pool: Pool,
    private readonly onEffectError: (err: unknown) => void = () => undefined,
  ) {
    this.statements = new Statements(this.counting(pool));
  }

  /** Called once per statement sent (the service counts its round trips and transactions). */
  countStatementsWith(count: (opensTransaction: boolean) => void): void {
    this.counted = count;
  }

  /**
   * Statements go as named prepared statements: PostgreSQL parses and plans each text once per
   * connection instead of on every call. A connection whose cached plan a migration made stale
   * (a column added under `SELECT *` by a newer replica) is dropped, not reused: on the pool the
   * statement is sent again on another connection; in a transaction the transaction fails (its
   * caller retries, as after any failed transaction) and its connection is dropped at release.
   */
  private counting(on: Pool | PoolClient): Queryable {
    return {
      query: async (text, params) => {
        const alone = !('release' in on);
        this.counted(alone);
        if (!alone) return this.prepared(on, text, params);
        const client = await on.connect();
        try {
          const result = await this.prepared(client, text, params);
          client.release();
          return result;
        } catch (err) {
          const stale = this.staleClients.has(client);
          client.release(stale ? asError(err) : undefined);
          if (stale) return on.query(text, params);
          throw err;
        }
      },
    };
  }

  private prepared(client: PoolClient, text: string, params: unknown[] | undefined) {
    return runPrepared(client, text, params, () => {
      this.stalePlans += 1;
      this.staleClients.add(client);
    });
  }

  /** Who to tell when a commit added outbox rows (the relay, once it exists). */
  whenOutboxCommitted(wake: () => void): void {
    this.onOutboxCommitted = wake;
  }

  /**
   * One transaction for a batch of work (a consumer's batch of events): inside `work`, every
   * statement and `transaction()` of this database joins it, so the batch's writes commit
   * together and its reads see its own earlier writes. Any failing statement or nested
   * transaction fails the whole batch (even if the work caught it): the caller then redoes the
   * batch's items one by one, each in its own transaction, where the usual rules apply.
   */
  async batch<T>(
    work: () => Promise<T>,
    events: readonly { id: string; topic: string }[] = [],
  ): Promise<T> {
    if (this.joined()) return work();
    return this.transaction(async (tx) => {
      if (!(tx instanceof Transaction)) throw new Error('batch needs its own transaction');
      tx.eventTopics = new Map(events.map((e) => [e.id, e.topic]));
      const open = new Map(batches.getStore() ?? []);
      open.set(this, tx);
      try {
        const result = await batches.run(open, work);
        if (tx.failure !== undefined) throw tx.failure;
        return result;
      } finally {
        tx.open = false;
      }
    });
  }

  /**
   * Inside a batch of events: the batch's transaction, its event ids, and per consumer the ids
   * not handled before (so `handleOnce` records a whole batch in one statement).
   */
  batchOf(): BatchEvents | undefined {
    const tx = this.joined();
    return tx
      ? { tx, eventTopics: tx.eventTopics, freshByConsumer: tx.freshByConsumer }
      : undefined;
  }

  private joined(): Transaction | undefined {
    const tx = batches.getStore()?.get(this);
    return tx?.open ? tx : undefined;
  }

  async transaction<T>(
    work: (tx: Tx) => Promise<T>,
    options: { isolation?: Isolation } = {},
  ): Promise<T> {
    const joined = this.joined();
    if (joined) {
      if (options.isolation)
        throw (joined.failure ??= new BatchIsolationError(
          `a ${options.isolation} transaction cannot join a batch`,
        ));
      try {
        return await work(joined);
      } catch (err) {
        joined.failure ??= err;
        throw err;
      }
    }
    const client: PoolClient = await this.pool.connect();
    const tx = new Transaction(this.counting(client));
    let result: T;
    try {
      this.counted(true);
      await client.query(
        options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN',
      );
      result = await work(tx);
      await tx.writeGathered();
      this.counted(false);
      await client.query('COMMIT');
    } catch (err) {
      // A failed ROLLBACK means the connection is broken: release it as such so the pool drops it.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      client.release(broken ?? (this.staleClients.has(client) ? asError(err) : undefined));
      throw err;
    }
    client.release();
    if (tx.outbox) this.onOutboxCommitted();
    for (const effect of tx.effects) {
      try {
        effect();
      } catch (err) {
        this.onEffectError(err);
      }
    }
    return result;
  }

  /** Whether a statement gets through (readiness). */
  async ping(): Promise<boolean> {
    await this.pool.query('SELECT 1');
    return true;
  }

  /** Single statements: inside a batch they join its transaction, otherwise the pool runs them. */
  private get on(): Statements {
    return this.joined() ?? this.statements;
  }

  select<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S>[]> {
    return this.on.select(row, text, params);
  }

  selectFirst<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S> | undefined> {
    return this.on.selectFirst(row, text, params);
  }

  selectOne<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S>> {
    return this.on.selectOne(row, text, params);
  }

  mutate(text: string, params?: readonly unknown[]): Promise<number> {
    return this.on.mutate(text, params);
  }
}
