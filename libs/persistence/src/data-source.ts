import { Pool } from 'pg';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import {
  DataSource,
  MigrationExecutor,
  type DataSourceOptions,
  type MixedList,
  type EntitySchema,
} from 'typeorm';
import { OutboxMessageEntity } from './entities/outbox-message.entity';
import { ProcessedEventEntity } from './entities/processed-event.entity';
import { MessagingBaseline1763800000000 } from './migrations/1763800000000-messaging-baseline';

type EntityList = MixedList<string | (new () => unknown) | EntitySchema>;
type MigrationClass = new () => { up: unknown; down: unknown };

export interface ServiceDataSourceOptions {
  readonly url: string;
  /** Each service owns one PostgreSQL schema; tests prefix it to isolate suites. */
  readonly schema: string;
  readonly entities?: readonly (new () => unknown)[];
  readonly migrations?: readonly MigrationClass[];
  readonly poolSize?: number;
  readonly applicationName?: string;
  /** A statement running longer is cancelled (0: no limit). Migrations lift it for themselves. */
  readonly statementTimeoutMs?: number;
}

export const persistenceEntities = [OutboxMessageEntity, ProcessedEventEntity];
export const persistenceMigrations: MigrationClass[] = [MessagingBaseline1763800000000];

/**
 * TypeORM options for one service schema. `search_path` is set per connection so migrations
 * and queries use plain table names; schema changes go through migrations only.
 */
export function serviceDataSourceOptions(o: ServiceDataSourceOptions): DataSourceOptions {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(o.schema)) throw new Error(`invalid schema name ${o.schema}`);
  return {
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: [...persistenceEntities, ...(o.entities ?? [])] as EntityList,
    migrations: [...persistenceMigrations, ...(o.migrations ?? [])] as MixedList<
      string | (new () => never)
    >,
    migrationsTableName: 'schema_migration',
    migrationsRun: false,
    synchronize: false,
    extra: {
      max: o.poolSize ?? 10,
      // Set per connection at start-up: no extra round trip per statement or transaction.
      options: `-c search_path=${o.schema} -c statement_timeout=${Math.max(0, Math.trunc(o.statementTimeoutMs ?? 0))}`,
      application_name: o.applicationName ?? o.schema,
    },
  };
}

/** Creates the schema if needed and applies pending migrations (idempotent, safe to repeat). */
export async function migrate(dataSource: DataSource): Promise<void> {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (schema) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  // A migration may rewrite a large table: it is not bound by the statement timeout of normal
  // work (lifted on its own connection, restored before that connection returns to the pool).
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SET statement_timeout = 0');
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    await executor.executePendingMigrations();
    await runner.query('RESET statement_timeout');
  } finally {
    await runner.release();
  }
}

/** The pg pool TypeORM opened: the data layer's statements and TypeORM's migrations share it. */
export function poolOf(dataSource: DataSource): Pool {
  const driver: unknown = dataSource.driver;
  const pool: unknown =
    driver instanceof PostgresDriver ? (driver as { master: unknown }).master : undefined;
  if (!(pool instanceof Pool)) throw new Error('the data source has no PostgreSQL pool');
  return pool;
}

export async function openDataSource(o: ServiceDataSourceOptions): Promise<DataSource> {
  const ds = new DataSource(serviceDataSourceOptions(o));
  await ds.initialize();
  await migrate(ds);
  return ds;
}
