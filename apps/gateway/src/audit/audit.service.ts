import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { EventEnvelope } from '@textback/contracts';
import { handleOnce, systemScope, type SystemScope, type TenantScope } from '@textback/persistence';
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { auditRepository as audit } from './audit.repository';

const DAY_MS = 86_400_000;

/**
 * The audit log every service feeds (`audit.recorded.v1`): appended once per record, read by a
 * brand's admins for their tenant, and redacted of numbers and addresses after
 * `AUDIT_PII_RETENTION_DAYS` (the entry itself stays).
 */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private redaction: PeriodicTask | undefined;
  /** Records arrive for every tenant; the retention job covers them all. */
  private readonly allTenants: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {
    this.allTenants = systemScope('gateway: the audit log of every tenant', runtime.logger);
  }

  onModuleInit(): void {
    this.redaction = every(
      this.runtime,
      'audit-redaction',
      this.runtime.config.REDACTION_INTERVAL_MS,
      () => this.redact().then(() => undefined),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.redaction?.stop();
  }

  async append(e: EventEnvelope<'audit.recorded.v1'>): Promise<void> {
    await handleOnce(this.runtime.db, 'gateway.audit', e.metadata.id, (tx) =>
      audit.append(tx, this.allTenants, e.payload),
    );
  }

  entries(scope: TenantScope, range: { from: Date; to: Date; limit: number }) {
    return audit.entries(this.runtime.db, scope, range);
  }

  /** Redacts what is past retention now; returns how many entries. */
  redact(): Promise<number> {
    const now = this.runtime.clock.now();
    const before = new Date(now.getTime() - this.runtime.config.AUDIT_PII_RETENTION_DAYS * DAY_MS);
    return audit.redactBefore(this.runtime.db, this.allTenants, before, now);
  }
}
