import type { PoolClient, QueryResult } from 'pg';

/**
 * Each statement text gets one name, the same on every connection of the process. Texts come
 * from code (a few hundred); past the cap a new text goes unnamed, so a text built from data
 * could never fill PostgreSQL's memory with prepared statements.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 2_000;
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `tb${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/** PostgreSQL's "cached plan must not change result type" (feature_not_supported). */
function isStalePlan(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err as { code?: string }).code === '0A000' &&
    err.message.includes('cached plan must not change result type')
  );
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Runs a statement as a named prepared statement (parsed and planned once per connection).
 * `onStale` hears of a plan a migration made stale; the error is thrown on.
 */
export async function runPrepared(
  client: PoolClient,
  text: string,
  params: unknown[] | undefined,
  onStale: () => void,
): Promise<QueryResult> {
  const name = statementName(text);
  try {
    return await client.query(
      name ? { name, text, values: params ?? [] } : { text, values: params ?? [] },
    );
  } catch (err) {
    if (isStalePlan(err)) onStale();
    throw err;
  }
}
