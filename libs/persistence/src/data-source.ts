import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
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
      options: `-c search_path=${o.schema}`,
      application_name: o.applicationName ?? o.schema,
    },
  };
}

/** Creates the schema if needed and applies pending migrations (idempotent, safe to repeat). */
export async function migrate(dataSource: DataSource): Promise<void> {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (schema) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await dataSource.runMigrations({ transaction: 'each' });
}

export async function openDataSource(o: ServiceDataSourceOptions): Promise<DataSource> {
  const ds = new DataSource(serviceDataSourceOptions(o));
  await ds.initialize();
  await migrate(ds);
  return ds;
}
