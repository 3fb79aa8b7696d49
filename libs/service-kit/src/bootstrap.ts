import { APP_GUARD, APP_INTERCEPTOR, HttpAdapterHost, NestFactory } from '@nestjs/core';
import { AuditTrail } from './audit-trail';
import { LoadShedding } from './load-shedding';
import type {
  DynamicModule,
  INestApplication,
  LoggerService,
  Provider,
  Type,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { httpMetricsMiddleware, ObservabilityModule } from '@textback/telemetry';
import { EventBusServer, type InProcessBroker } from '@textback/messaging';
import { EdgeErrorFilter } from './errors';
import type { BaseConfig } from './config';
import type { Clock } from './clock';
import { createRuntime, type RuntimeOptions, type ServiceRuntime } from './runtime';

import { RUNTIME } from './runtime-token';

export { RUNTIME };

export interface RunningService {
  readonly name: string;
  readonly app: INestApplication;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts one service: its Nest app, its consumers (as a Nest microservice) and its outbox relay. */
export async function startService(
  module: Type | DynamicModule,
  runtime: ServiceRuntime,
  configure?: (app: NestExpressApplication) => void,
): Promise<RunningService> {
  // rawBody: webhook signatures are computed over the exact bytes received.
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: nestLogger(runtime),
    rawBody: true,
  });
  app.useGlobalFilters(new EdgeErrorFilter(app.get(HttpAdapterHost).httpAdapter, runtime.logger));
  app.use(httpMetricsMiddleware(runtime.registry, runtime.service));
  app.use(securityHeaders());
  app.set('trust proxy', runtime.config.TRUST_PROXY);
  configure?.(app);
  // Inherits the edge filter, which hands consumers' errors back to the bus as they are.
  app.connectMicroservice(
    { strategy: new EventBusServer(runtime.bus) },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  runtime.outbox.start();
  await app.listen(runtime.config.HTTP_PORT, runtime.config.HTTP_HOST);
  const address = app.getHttpServer().address() as { port: number };
  // The address to reach it on from this machine: the bound one, or loopback when bound to all.
  const host = ['0.0.0.0', '::'].includes(runtime.config.HTTP_HOST)
    ? '127.0.0.1'
    : runtime.config.HTTP_HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  runtime.listeningUrl = url;
  runtime.logger.info({ url, transport: runtime.transport.kind }, `${runtime.service} ready`);
  let stopped = false;
  return {
    name: runtime.service,
    app,
    url,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
      await runtime.close();
    },
  };
}

/**
 * Security headers on every response (helmet): a Content-Security-Policy that lets the pages run
 * their own bundled scripts and nothing else, no framing (`frame-ancestors 'none'`,
 * X-Frame-Options DENY), nosniff, no referrer. `upgrade-insecure-requests` is left out so the
 * development pages on http://127.0.0.1 keep loading their assets (production is https anyway).
 */
function securityHeaders(): ReturnType<typeof helmet> {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': null,
        'form-action': ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

function nestLogger(runtime: ServiceRuntime): LoggerService {
  const l = runtime.logger;
  return {
    log: (m: unknown, ctx?: unknown) => l.debug({ ctx }, String(m)),
    error: (m: unknown, trace?: unknown) => l.error({ trace }, String(m)),
    warn: (m: unknown) => l.warn(String(m)),
    debug: (m: unknown) => l.debug(String(m)),
    verbose: (m: unknown) => l.trace(String(m)),
  };
}

/** Stops gracefully on SIGTERM/SIGINT (Kubernetes sends SIGTERM, then waits the grace period). */
export function stopOnSignals(stop: () => Promise<void>, logger: { info(m: string): void }): void {
  let stopping = false;
  const handler = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: draining and stopping`);
    void stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => handler('SIGTERM'));
  process.once('SIGINT', () => handler('SIGINT'));
}

/**
 * The module every service's AppModule returns: observability endpoints, the runtime, and the
 * service's own controllers (HTTP and event consumers) and providers.
 */
export function serviceModule(
  module: Type,
  runtime: ServiceRuntime,
  parts: { controllers?: Type[]; providers?: Provider[] } = {},
): DynamicModule {
  return {
    module,
    imports: [ObservabilityModule.register(runtime.registry, runtime.readiness)],
    controllers: parts.controllers ?? [],
    providers: [
      { provide: RUNTIME, useValue: runtime },
      // Every service keeps the audit trail of what people, keys and clients do (audit-trail.ts).
      { provide: APP_GUARD, useClass: AuditTrail },
      // Counts work in flight and sheds what may be shed (load-shedding.ts).
      { provide: APP_INTERCEPTOR, useClass: LoadShedding },
      ...(parts.providers ?? []),
    ],
  };
}

/** The `main.ts` tail of every service: start from the environment when run directly. */
export function runIfMain(mainModule: NodeModule, start: () => Promise<RunningService>): void {
  if (require.main !== mainModule) return;
  start().then(
    (service) => stopOnSignals(service.stop, { info: (m) => process.stdout.write(`${m}\n`) }),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

export interface ServiceDefinition<C extends BaseConfig> {
  readonly service: string;
  readonly loadConfig: (env: Record<string, string | undefined>) => C;
  readonly module: { register(runtime: ServiceRuntime<C>): DynamicModule };
  readonly migrations?: RuntimeOptions<C>['migrations'];
  /** Extra HTTP set-up before listening (body parsers, OpenAPI documents). */
  readonly configure?: (app: NestExpressApplication, runtime: ServiceRuntime<C>) => void;
}

/** A service's start function: parse its config, build its runtime, start its Nest app. */
export function serviceStarter<C extends BaseConfig>(definition: ServiceDefinition<C>) {
  return async (
    env: Record<string, string | undefined>,
    options: {
      inProcessBroker?: InProcessBroker;
      clock?: Clock;
      jwksUrl?: () => string | undefined;
    } = {},
  ): Promise<RunningService> => {
    const config = definition.loadConfig(env);
    const runtime = await createRuntime({
      service: definition.service,
      config,
      ...(definition.migrations ? { migrations: definition.migrations } : {}),
      ...options,
    });
    const configure = definition.configure;
    return startService(
      definition.module.register(runtime),
      runtime,
      configure ? (app) => configure(app, runtime) : undefined,
    );
  };
}
