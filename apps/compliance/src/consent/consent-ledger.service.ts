import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { E164 } from '@textback/contracts';
import {
  addToOutbox,
  systemScope,
  type Sql,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import type { ComplianceConfig } from '../config';
import {
  consentLedgerRepository as ledger,
  type ConsentChangeRow,
  type NewConsentChange,
} from './consent-ledger.repository';

export type { ConsentChangeRow, NewConsentChange };

/**
 * The consent ledger: every change appended with its source, published as `consent.changed.v1`
 * in the same transaction. Current state is the latest change that covers the number.
 */
@Injectable()
export class ConsentLedgerService implements OnApplicationBootstrap, OnModuleDestroy {
  private retention: PeriodicTask | undefined;
  /** Retention redacts every tenant's old message texts. */
  private readonly retentionScope: SystemScope;
  private readonly sendChecksScope: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ComplianceConfig>) {
    this.retentionScope = systemScope('compliance: consent text retention', runtime.logger);
    this.sendChecksScope = systemScope(
      "compliance: consent checks for sms-dispatch's sends (each names its tenant)",
      runtime.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.retention = every(
      this.runtime,
      'consent-text-retention',
      this.runtime.config.REDACTION_INTERVAL_MS,
      () => this.redactExpiredTexts(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.retention?.stop();
  }

  /** Appends a change (once per message and source) and publishes it. */
  async record(tx: Tx, scope: TenantScope, c: NewConsentChange): Promise<boolean> {
    const appended = await ledger.append(tx, scope, c);
    if (!appended) return false;
    await addToOutbox(tx, 'consent.changed.v1', {
      tenantId: scope.tenantId,
      phoneNumber: c.phoneNumber,
      state: c.state,
      source: c.source,
      scope: c.scope,
      ...(c.channelNumber ? { channelNumber: c.channelNumber } : {}),
      changedAt: appended.changedAt.toISOString(),
    });
    return true;
  }

  /** `record` in a transaction of its own (operator and API changes). */
  async recordNow(scope: TenantScope, c: NewConsentChange): Promise<void> {
    await this.runtime.transaction((tx) => this.record(tx, scope, c));
  }

  /** The latest change covering texting `phoneNumber` from `channelNumber` (brand-wide or that number). */
  async currentState(
    scope: TenantScope,
    phoneNumber: E164,
    channelNumber?: E164,
    sql: Sql = this.runtime.db,
  ): Promise<'opted-in' | 'opted-out' | 'no-record'> {
    return (await ledger.latestState(sql, scope, phoneNumber, channelNumber)) ?? 'no-record';
  }

  /** `currentState` of each check, in order, in one read (sms-dispatch's group of sends). */
  async currentStates(
    checks: readonly { tenantId: string; phoneNumber: E164; channelNumber?: E164 | undefined }[],
  ): Promise<('opted-in' | 'opted-out' | 'no-record')[]> {
    const states = await ledger.latestStates(this.runtime.db, this.sendChecksScope, checks);
    return states.map((s) => s ?? 'no-record');
  }

  history(scope: TenantScope, phoneNumber?: E164): Promise<ConsentChangeRow[]> {
    return ledger.history(this.runtime.db, scope, phoneNumber);
  }

  /** Redacts message texts past the retention period; the changes, sources and times stay. */
  async redactExpiredTexts(now = this.runtime.clock.now()): Promise<number> {
    const days = this.runtime.config.CONSENT_TEXT_RETENTION_DAYS;
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    return ledger.redactTextsBefore(this.runtime.db, this.retentionScope, cutoff);
  }
}
