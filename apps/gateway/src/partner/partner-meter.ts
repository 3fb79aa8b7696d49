import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Access } from '@textback/auth';
import type { AuditRecordedV1, TenantId } from '@textback/contracts';
import {
  addToOutbox,
  rateLimitRepository as budgets,
  systemScope,
  tenantScope,
  type SystemScope,
} from '@textback/persistence';
import { errorCodes, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { PartnerError, type Failure } from './partner-errors';
import { partnerRepository as usage } from './partner.repository';

const MINUTE_MS = 60_000;

/**
 * What every partner call costs and leaves behind: a point from its client's and its tenant's
 * request budgets (fixed one-minute windows in PostgreSQL, shared by every gateway replica; over
 * either: 429 / RESOURCE_EXHAUSTED with when to retry), a count in the day's usage (what a
 * brand-admin sees per client), and an entry in the audit log.
 */
@Injectable()
export class PartnerMeter {
  private readonly budgets: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {
    this.budgets = systemScope(
      'gateway: partner request budgets (platform capacity)',
      runtime.logger,
    );
  }

  async draw(clientId: string, tenantId: TenantId): Promise<void> {
    const c = this.runtime.config;
    const layers = [
      {
        key: `partner:client:${clientId}`,
        points: c.PARTNER_CLIENT_REQUESTS_PER_MINUTE,
        windowMs: MINUTE_MS,
      },
      {
        key: `partner:tenant:${tenantId}`,
        points: c.PARTNER_TENANT_REQUESTS_PER_MINUTE,
        windowMs: MINUTE_MS,
      },
    ];
    const now = this.runtime.clock.now().getTime();
    const drawn = await budgets.draw(this.runtime.db, this.budgets, layers, now);
    const over = drawn.filter((d) => d.points > (layers.find((l) => l.key === d.key)?.points ?? 0));
    if (over.length === 0) return;
    await budgets.giveBack(this.runtime.db, this.budgets, drawn);
    const waitMs = Math.max(...over.map((d) => d.expire - now));
    const which = over.some((d) => d.key.startsWith('partner:client:'))
      ? 'this client'
      : `tenant ${tenantId}`;
    throw new PartnerError(
      'rate-limited',
      `${which} is over its requests per minute: retry later`,
      {
        retryAfterMs: Math.max(1, waitMs),
      },
    );
  }

  /**
   * Counts the call in its client's usage and writes its audit entry — both under the tenant of
   * the client's token (a reach into another tenant is its own brand's to see); never fails the call.
   */
  async record(c: {
    access: Access | undefined;
    action: string;
    resource: string;
    failure: Failure | undefined;
    address: string | undefined;
  }): Promise<void> {
    const status = !c.failure
      ? 200
      : c.failure.code === 'internal'
        ? 500
        : errorCodes[c.failure.code].http;
    const clientId =
      c.access?.kind === 'client' ? c.access.subject.replace(/^client:/, '') : undefined;
    const now = this.runtime.clock.now();
    const tenantId = c.access && c.access.tenantId !== '*' ? c.access.tenantId : undefined;
    const record: AuditRecordedV1 = {
      auditId: randomUUID(),
      at: now.toISOString(),
      service: this.runtime.service,
      tenantKey: tenantId ?? 'platform',
      actor: c.access
        ? { kind: c.access.kind, subject: c.access.subject }
        : { kind: 'anonymous', subject: '' },
      action: c.action.slice(0, 300),
      resource: c.resource.slice(0, 1000),
      outcome: status,
      address: c.address?.slice(0, 100) ?? null,
    };
    try {
      await this.runtime.transaction(async (tx) => {
        await addToOutbox(tx, 'audit.recorded.v1', record);
        if (clientId && tenantId)
          await usage.count(tx, tenantScope(tenantId), {
            clientId,
            day: record.at.slice(0, 10),
            method: c.action.replace(/^.*\//, ''),
            outcome: !c.failure ? 'ok' : status < 500 ? 'refused' : 'failed',
          });
      });
    } catch (err) {
      this.runtime.logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'partner call could not be audited or counted',
      );
    }
  }
}
