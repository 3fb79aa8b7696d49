import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { Access } from '@textback/auth';
import type { AuditRecordedV1 } from '@textback/contracts';
import { addToOutbox } from '@textback/persistence';
import { PUBLIC_ROUTE, type PublicRoute } from '@textback/telemetry';
import { RUNTIME } from './runtime-token';
import type { ServiceRuntime } from './runtime';

const AUDITED = 'textback:audited';

/**
 * Audits every call of this route, whatever its method and outcome: bulk reads of personal data
 * (exports, consent history, the calls list), and the public sign-in routes.
 */
export const Audited = (why: string): MethodDecorator & ClassDecorator => SetMetadata(AUDITED, why);

/** Statuses a read is audited for even when it reads nothing: someone tried what it may not. */
const REFUSED = new Set([401, 403, 404]);
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

type Audited = Request & { access?: Access };

/**
 * The audit trail (#16): a global guard that lets every request through and, when the response
 * is finished, records who did what to which resource and how it ended — for every mutating call
 * on a guarded route, every refused attempt there (401, 403, 404), and every route marked
 * `@Audited`. Webhooks, pages, probes and service-to-service calls are machines' traffic and
 * are not audited (the call path stays as it was). The record
 * goes out on `audit.recorded.v1` through the outbox; the gateway keeps the log.
 */
@Injectable()
export class AuditTrail implements CanActivate {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const marked = this.reflector.getAllAndOverride<string | undefined>(AUDITED, targets);
    const open = this.reflector.getAllAndOverride<PublicRoute | undefined>(PUBLIC_ROUTE, targets);
    if (open && !marked) return true;
    const req = context.switchToHttp().getRequest<Audited>();
    // Service-to-service calls (the service key) are the platform's own traffic, not a person's.
    if (req.path.startsWith('/internal/')) return true;
    const res = context.switchToHttp().getResponse<Response>();
    res.once('finish', () => {
      // The partner API audits each call it served itself (gRPC calls too), once.
      if ((req as Audited & { partnerAudited?: boolean }).partnerAudited) return;
      const mutating = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
      if (!marked && !mutating && !REFUSED.has(res.statusCode)) return;
      this.record(req, res.statusCode).catch((err: unknown) =>
        this.runtime.logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'audit record could not be written',
        ),
      );
    });
    return true;
  }

  private async record(req: Audited, status: number): Promise<void> {
    const access = req.access;
    const route = (req.route as { path?: string } | undefined)?.path ?? req.path;
    const record: AuditRecordedV1 = {
      auditId: randomUUID(),
      at: this.runtime.clock.now().toISOString(),
      service: this.runtime.service,
      tenantKey: tenantKeyOf(req, access),
      actor: access
        ? { kind: access.kind, subject: access.subject }
        : { kind: 'anonymous', subject: '' },
      action: `${req.method} ${route}`.slice(0, 300),
      resource: req.path.slice(0, 1000),
      outcome: status,
      address: req.ip ?? null,
    };
    await this.runtime.transaction((tx) => addToOutbox(tx, 'audit.recorded.v1', record));
  }
}

/** The tenant an audited request concerned: its credential's, else the one it named. */
function tenantKeyOf(req: Request, access: Access | undefined): string {
  if (access && access.tenantId !== '*') return access.tenantId;
  const named = [
    (req.params as Record<string, unknown>)['tenantId'],
    (req.query as Record<string, unknown>)['tenantId'],
    (req.body as Record<string, unknown> | undefined)?.['tenantId'],
  ].find((v): v is string => typeof v === 'string' && SLUG.test(v));
  return named ?? 'platform';
}
