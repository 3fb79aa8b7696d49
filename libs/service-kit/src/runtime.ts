import type { Logger } from 'pino';
import { TokenVerifier } from '@textback/auth';
import type { Registry } from 'prom-client';
import {
  EventBus,
  InProcessBroker,
  InProcessTransport,
  KafkaTransport,
  provisionTopics,
  type Transport,
} from '@textback/messaging';
import {
  Database,
  OutboxRelay,
  openDataSource,
  poolOf,
  type Isolation,
  type Tx,
} from '@textback/persistence';
import { createLogger, createMetricsRegistry, type ReadinessCheck } from '@textback/telemetry';
import { systemClock, type Clock } from './clock';
import { counterOf } from './service-metrics';
import type { BaseConfig } from './config';

/** Everything one service needs at run time, built from its parsed config. */
export interface ServiceRuntime<C extends BaseConfig = BaseConfig> {
  readonly service: string;
  readonly config: C;
  readonly logger: Logger;
  readonly registry: Registry;
  /** The time as the service sees it (pinned in tests). */
  readonly clock: Clock;
  /** Verifies access tokens against the gateway's keys; undefined when none are configured. */
  readonly tokens: TokenVerifier | undefined;
  /** The gateway's token endpoint (beside its JWKS), where pages exchange a person's credential. */
  tokenUrl(): string | undefined;
  /** The service's database: single statements (repositories) and transactions. */
  readonly db: Database;
  /** One transaction; after the commit the outbox relay wakes if it wrote outbox rows. */
  transaction<T>(work: (tx: Tx) => Promise<T>, options?: { isolation?: Isolation }): Promise<T>;
  readonly transport: Transport;
  readonly bus: EventBus;
  readonly outbox: OutboxRelay;
  readonly readiness: ReadinessCheck[];
  /** Where the HTTP server listens, once it does (webhook URLs default to it when no public URL is set). */
  listeningUrl: string | undefined;
  close(): Promise<void>;
}

export interface RuntimeOptions<C extends BaseConfig> {
  readonly service: string;
  readonly config: C;
  readonly entities?: readonly (new () => unknown)[];
  readonly migrations?: readonly (new () => { up: unknown; down: unknown })[];
  /** The shared in-memory broker when all services run in one process. */
  readonly inProcessBroker?: InProcessBroker;
  readonly logger?: Logger;
  /** Tests pin the time; otherwise the system clock. */
  readonly clock?: Clock;
  /** The gateway's JWKS URL when known only later (every service in one process). */
  readonly jwksUrl?: () => string | undefined;
}

export async function createRuntime<C extends BaseConfig>(
  o: RuntimeOptions<C>,
): Promise<ServiceRuntime<C>> {
  const { config, service } = o;
  const logger = o.logger ?? createLogger(service, config.LOG_LEVEL);
  const clock = o.clock ?? systemClock;
  const registry = createMetricsRegistry(service);
  const log = (level: 'error' | 'warn' | 'info', message: string, fields?: object): void =>
    logger[level](fields ?? {}, message);

  const transport: Transport =
    config.EVENT_TRANSPORT === 'kafka'
      ? new KafkaTransport({
          brokers: (config.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()),
          clientId: service,
          topicPrefix: config.KAFKA_TOPIC_PREFIX,
          partitions: config.KAFKA_PARTITIONS,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          consumerLingerMs: config.KAFKA_CONSUMER_LINGER_MS,
          log,
        })
      : new InProcessTransport(o.inProcessBroker ?? new InProcessBroker());

  const schema = config.DATABASE_SCHEMA ?? service.replace(/-/g, '_');
  const dataSource = await openDataSource({
    url: config.DATABASE_URL,
    schema,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    entities: o.entities ?? [],
    migrations: o.migrations ?? [],
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: service,
  });
  await transport.connect();
  // Idempotent: creates what is missing. In Kubernetes a Helm hook job does this first.
  await provisionTopics(transport);

  const db = new Database(poolOf(dataSource), (err) =>
    logger.error(
      { err: err instanceof Error ? err.message : String(err) },
      'after-commit effect failed',
    ),
  );
  const statements = counterOf(
    registry,
    `${service.replace(/-/g, '_')}_db_statements_total`,
    'Statements sent to PostgreSQL (round trips; BEGIN and COMMIT included)',
    [],
  );
  const transactions = counterOf(
    registry,
    `${service.replace(/-/g, '_')}_db_transactions_total`,
    'Transactions opened in PostgreSQL (a BEGIN, or a statement on its own)',
    [],
  );
  db.countStatementsWith((opensTransaction) => {
    statements.inc();
    if (opensTransaction) transactions.inc();
  });
  const bus = new EventBus({
    service,
    // A consumer's batch of events is one transaction (its handlers' statements join it).
    unitOfWork: (work, events) => db.batch(work, events),
    unitsInFlight: config.CONSUMER_UNITS_IN_FLIGHT,
    ...(config.CONSUMER_GROUP_ID ? { groupId: config.CONSUMER_GROUP_ID } : {}),
    transport,
    registry,
    log,
    retry: {
      maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
      initialDelayMs: config.CONSUMER_RETRY_INITIAL_MS,
      maxDelayMs: config.CONSUMER_RETRY_MAX_MS,
    },
  });
  const outbox = new OutboxRelay(db, schema, bus, {
    pollMs: config.OUTBOX_POLL_MS,
    lingerMs: config.OUTBOX_LINGER_MS,
    retainPublishedMs: config.OUTBOX_RETAIN_PUBLISHED_HOURS * 3_600_000,
    onError: (err) => logger.error({ err: err.message }, 'outbox relay failed; will retry'),
    log: logger,
  });
  const readiness: ReadinessCheck[] = [
    { name: 'database', isReady: () => db.ping() },
    { name: 'transport', isReady: () => transport.isReady() },
  ];
  return {
    service,
    config,
    logger,
    registry,
    clock,
    tokens:
      o.jwksUrl || config.AUTH_JWKS_URL
        ? TokenVerifier.ofUrl(o.jwksUrl ?? config.AUTH_JWKS_URL ?? '', clock)
        : undefined,
    tokenUrl: () => {
      const jwks = o.jwksUrl?.() ?? config.AUTH_JWKS_URL;
      return jwks ? new URL('/v1/auth/token', jwks).toString() : undefined;
    },
    db,
    transaction: (work, options) => db.transaction(work, options),
    transport,
    bus,
    outbox,
    readiness,
    listeningUrl: undefined,
    // Consumers first (they may still write), then the relay drains, then connections close.
    close: async () => {
      await bus.stop();
      await outbox.stop();
      await transport.close();
      await dataSource.destroy();
    },
  };
}
