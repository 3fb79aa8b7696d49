import type { QueryResultRow } from 'pg';
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
  /**
   * Work gathered over the whole transaction and written once, just before COMMIT: the value
   * kept under `key` (made by `start` the first time), then `write(tx, value)` once. In a batch
   * of events that is once per batch — counters many events add to are written (and locked)
   * once, at the end.
   */
  gathered<T>(key: object, start: () => T, write: (tx: Tx, value: T) => Promise<void>): T;
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

/** What runs a statement: a pool, or one client inside a transaction. */
export interface Queryable {
  query(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: QueryResultRow[]; rowCount: number | null }>;
}

/** `Sql` on a pool or a client (the database and its transactions build on it). */
export class Statements implements Sql {
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
