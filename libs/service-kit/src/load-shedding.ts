import {
  Inject,
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { Gauge, type Registry } from 'prom-client';
import { finalize, type Observable } from 'rxjs';
import { ServiceError } from './errors';
import { counterOf } from './service-metrics';
import type { ServiceRuntime } from './runtime';
import { RUNTIME } from './runtime-token';

const SHEDDABLE = 'textback:sheddable';

export interface Shedding {
  /** How long the sender keeps retrying a refused webhook: it must cover the expected wait. */
  readonly retryBudgetSeconds: number;
  /** Who retries, and how (for the route inventory and reviewers). */
  readonly why: string;
}

/**
 * Marks a webhook the service may refuse with 503 when too much is in flight: only where the
 * sender retries long enough (Plivo's message and delivery-report callbacks: 3 times over
 * 7 minutes). answer_url and the voice callbacks are never shed: a caller is on the line and
 * Plivo retries those for seconds, not minutes.
 */
export const Sheddable = (shedding: Shedding): MethodDecorator & ClassDecorator =>
  SetMetadata(SHEDDABLE, shedding);

/** Plivo retries message and delivery-report callbacks 3 times, at +60, +120 and +240 s. */
export const PLIVO_MESSAGE_CALLBACK_RETRIES: Shedding = {
  retryBudgetSeconds: 420,
  why: 'Plivo retries message callbacks at +60, +120 and +240 s',
};

export class OverloadedError extends ServiceError<'overloaded'> {}

/** `<svc>_work_in_flight{kind}`: HTTP requests and events being handled right now. */
export function workInFlight(registry: Registry, service: string): Gauge<'kind'> {
  const name = `${service.replace(/-/g, '_')}_work_in_flight`;
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<'kind'>;
  return new Gauge({
    name,
    help: 'Work being handled right now: HTTP requests (kind="http") and events (kind="events")',
    labelNames: ['kind'],
    registers: [registry],
  });
}

/**
 * Counts the HTTP requests in flight and refuses a sheddable webhook with 503 (and
 * `Retry-After`) while the count is at `WEBHOOK_MAX_IN_FLIGHT`, counting it in
 * `<svc>_webhooks_shed_total{route}` (an alert fires when shedding starts). Everything else is
 * always served: shedding protects the latency of what cannot wait.
 */
@Injectable()
export class LoadShedding implements NestInterceptor {
  private inFlight = 0;
  private readonly gauge: Gauge<'kind'>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    this.gauge = workInFlight(runtime.registry, runtime.service);
    this.gauge.set({ kind: 'http' }, 0);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const shedding = this.reflector.getAllAndOverride<Shedding | undefined>(SHEDDABLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (shedding && this.inFlight >= this.runtime.config.WEBHOOK_MAX_IN_FLIGHT) {
      const http = context.switchToHttp();
      // Express's matched route (its pattern, never the URL: no identifiers in a label).
      const req = http.getRequest<{ route?: { path?: unknown } }>();
      counterOf(
        this.runtime.registry,
        `${this.runtime.service.replace(/-/g, '_')}_webhooks_shed_total`,
        'Webhooks refused with 503 because too much was in flight (the sender retries)',
        ['route'],
      ).inc({ route: typeof req.route?.path === 'string' ? req.route.path : 'unknown' });
      http.getResponse<Response>().setHeader('Retry-After', '60');
      throw new OverloadedError(
        'overloaded',
        `${this.inFlight} requests in flight: retry later (the sender's retries cover ${shedding.retryBudgetSeconds} s)`,
      );
    }
    this.inFlight++;
    this.gauge.set({ kind: 'http' }, this.inFlight);
    return next.handle().pipe(
      finalize(() => {
        this.inFlight--;
        this.gauge.set({ kind: 'http' }, this.inFlight);
      }),
    );
  }
}
