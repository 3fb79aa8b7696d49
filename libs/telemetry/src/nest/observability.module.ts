import { Controller, Get, Header, Inject, Module, type DynamicModule } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
} from '@nestjs/terminus';
import type { Registry } from 'prom-client';
import { Public } from './public-route';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** A named dependency whose readiness decides whether the service takes traffic. */
export interface ReadinessCheck {
  readonly name: string;
  isReady(): Promise<boolean>;
}

@Public('probe', 'liveness, readiness and metrics for the cluster; never routed by the Ingress')
@Controller()
class ObservabilityController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
  ) {}

  /** Liveness: the process answers. Dependencies are not checked here, so a DB blip never restarts pods. */
  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }

  /** Readiness: the database and the event transport answer. */
  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check(
      this.checks.map((c) => async () => {
        const session = this.indicator.check(c.name);
        return (await c.isReady().catch(() => false)) ? session.up() : session.down();
      }),
    );
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

@Module({})
export class ObservabilityModule {
  static register(registry: Registry, checks: readonly ReadinessCheck[]): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [ObservabilityController],
      providers: [
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: READINESS_CHECKS, useValue: checks },
      ],
      exports: [METRICS_REGISTRY],
    };
  }
}
