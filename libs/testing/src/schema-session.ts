import { Client } from 'pg';

/**
 * A second PostgreSQL session on a test's schema, beside the code under test's pool: it holds
 * the locks that code must wait for or skip (a consumer's batch, a concurrent acceptance, a table
 * lock), and reads what was written. `name` shows in `pg_stat_activity.application_name`, so a
 * test can see who waits on whom.
 */
export async function schemaSession(schema: string, name?: string): Promise<Client> {
  const session = new Client({
    connectionString: process.env['DATABASE_URL'],
    options: `-c search_path=${schema}`,
    ...(name ? { application_name: name } : {}),
  });
  await session.connect();
  return session;
}
