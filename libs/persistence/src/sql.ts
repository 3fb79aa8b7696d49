import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { z } from 'zod';

/**
 * The one way SQL reaches PostgreSQL: a statement, its bind parameters and, for statements that
 * return rows, a zod schema of the row. pg's rows are `any`; here each row has its snake_case
 * columns renamed to camelCase and is decoded by the schema, so a repository's return type is
 * checked at run time (a renamed column fails loudly in tests instead of reading `undefined`).
 * Only repositories and migrations call these (a lint rule).
 */
export interface Sql {
  /** Every row the statement returns (SELECT, or INSERT/UPDATE/DELETE … RETURNING). */
  select<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S>[]>;
  /** The first row, or undefined when there is none. */
  selectFirst<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S> | undefined>;
  /** Exactly one row; anything else is a bug (an aggregate, or a row the caller just wrote). */
  selectOne<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S>>;
  /** A statement whose rows the caller does not need; returns how many rows it affected. */
  mutate(text: string, params?: readonly unknown[]): Promise<number>;
}

/** A statement inside a transaction, with what should happen only once it has committed. */
export interface Tx extends Sql {
  /** Runs `effect` after the commit (never after a rollback): webhooks, wake-ups, kicks. */
  afterCommit(effect: () => void): void;
  /** Marks that this transaction wrote outbox rows: the relay is woken after the commit. */
  wroteOutbox(): void;
}

export class RowShapeError extends Error {
  override readonly name = 'RowShapeError';
}

const camelNames = new Map<string, string>();
function camel(column: string): string {
  let name = camelNames.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    camelNames.set(column, name);
  }
  return name;
}

function decode<S extends z.ZodType>(schema: S, raw: QueryResultRow, text: string): z.output<S> {
  const row: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(raw)) row[camel(column)] = value;
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new RowShapeError(`row does not match its schema (${issues}) in: ${text.slice(0, 120)}`);
}

interface Queryable {
  query(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: QueryResultRow[]; rowCount: number | null }>;
}

class Statements implements Sql {
  constructor(protected readonly on: Queryable) {}

  async select<S extends z.ZodType>(
    row: S,
    text: string,
    params: readonly unknown[] = [],
  ): Promise<z.output<S>[]> {
    const result = await this.on.query(text, [...params]);
    return result.rows.map((r) => decode(row, r, text));
  }

  async selectFirst<S extends z.ZodType>(
    row: S,
    text: string,
    params: readonly unknown[] = [],
  ): Promise<z.output<S> | undefined> {
    const result = await this.on.query(text, [...params]);
    const first = result.rows[0];
    return first === undefined ? undefined : decode(row, first, text);
  }

  async selectOne<S extends z.ZodType>(
    row: S,
    text: string,
    params: readonly unknown[] = [],
  ): Promise<z.output<S>> {
    const result = await this.on.query(text, [...params]);
    const [only, ...more] = result.rows;
    if (only === undefined || more.length > 0)
      throw new RowShapeError(
        `expected one row, got ${result.rows.length} in: ${text.slice(0, 120)}`,
      );
    return decode(row, only, text);
  }

  async mutate(text: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.on.query(text, [...params]);
    return result.rowCount ?? 0;
  }
}

class Transaction extends Statements implements Tx {
  readonly effects: (() => void)[] = [];
  outbox = false;

  afterCommit(effect: () => void): void {
    this.effects.push(effect);
  }

  wroteOutbox(): void {
    this.outbox = true;
  }
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

/**
 * One service's database: the pool TypeORM opened (migrations stay TypeORM's), used directly.
 * `transaction(fn)` commits or rolls back, then wakes the outbox relay if the transaction wrote
 * outbox rows and runs the effects registered with `afterCommit`.
 */
export class Database implements Sql {
  private readonly statements: Statements;
  private onOutboxCommitted: () => void = () => undefined;

  constructor(
    /** For libraries that take a pg pool themselves (the rate limiter's store): still one pool. */
    readonly pool: Pool,
    private readonly onEffectError: (err: unknown) => void = () => undefined,
  ) {
    this.statements = new Statements(pool);
  }

  /** Who to tell when a commit added outbox rows (the relay, once it exists). */
  whenOutboxCommitted(wake: () => void): void {
    this.onOutboxCommitted = wake;
  }

  async transaction<T>(
    work: (tx: Tx) => Promise<T>,
    options: { isolation?: Isolation } = {},
  ): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    const tx = new Transaction(client);
    let result: T;
    try {
      await client.query(
        options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN',
      );
      result = await work(tx);
      await client.query('COMMIT');
    } catch (err) {
      // A failed ROLLBACK means the connection is broken: release it as such so the pool drops it.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      client.release(broken);
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

  select<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S>[]> {
    return this.statements.select(row, text, params);
  }

  selectFirst<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S> | undefined> {
    return this.statements.selectFirst(row, text, params);
  }

  selectOne<S extends z.ZodType>(
    row: S,
    text: string,
    params?: readonly unknown[],
  ): Promise<z.output<S>> {
    return this.statements.selectOne(row, text, params);
  }

  mutate(text: string, params?: readonly unknown[]): Promise<number> {
    return this.statements.mutate(text, params);
  }
}
