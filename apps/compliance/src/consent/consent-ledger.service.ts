import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConsentSource } from '@textback/contracts';
import { addToOutbox } from '@textback/persistence';
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import type { ComplianceConfig } from '../config';

export interface ConsentChangeInput {
  readonly tenantId: string;
  readonly phoneNumber: string;
  readonly state: 'opted-out' | 'opted-in';
  readonly source: ConsentSource;
  readonly scope: 'tenant' | 'number';
  readonly channelNumber?: string | undefined;
  /** What matched: the keyword, the plain-words rule, the carrier error code. */
  readonly detail?: string | undefined;
  /** The message (or report) that caused it: one change per message and source. */
  readonly messageId?: string | undefined;
  readonly messageText?: string | undefined;
  readonly actor?: string | undefined;
  readonly reason?: string | undefined;
}

export interface ConsentChangeRow {
  seq: string;
  tenant_id: string;
  phone_number: string;
  scope: 'tenant' | 'number';
  channel_number: string | null;
  state: 'opted-out' | 'opted-in';
  source: ConsentSource;
  detail: string | null;
  message_id: string | null;
  message_text: string | null;
  actor: string | null;
  reason: string | null;
  changed_at: Date;
  text_redacted_at: Date | null;
}

/**
 * The consent ledger: every change appended with its source, published as `consent.changed.v1`
 * in the same transaction. Current state is the latest change that covers the number.
 */
@Injectable()
export class ConsentLedgerService implements OnApplicationBootstrap, OnModuleDestroy {
  private retention: PeriodicTask | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ComplianceConfig>) {}

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
  async record(tx: EntityManager, c: ConsentChangeInput): Promise<boolean> {
    const rows: { seq: string; changed_at: Date }[] = await tx.query(
      `INSERT INTO consent_change (tenant_id, phone_number, scope, channel_number, state, source, detail, message_id, message_text, actor, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (message_id, source) WHERE message_id IS NOT NULL DO NOTHING RETURNING seq, changed_at`,
      [
        c.tenantId,
        c.phoneNumber,
        c.scope,
        c.channelNumber ?? null,
        c.state,
        c.source,
        c.detail ?? null,
        c.messageId ?? null,
        c.messageText ?? null,
        c.actor ?? null,
        c.reason ?? null,
      ],
    );
    const row = rows[0];
    if (!row) return false;
    await addToOutbox(tx, 'consent.changed.v1', {
      tenantId: c.tenantId as never,
      phoneNumber: c.phoneNumber as never,
      state: c.state,
      source: c.source,
      scope: c.scope,
      ...(c.channelNumber ? { channelNumber: c.channelNumber as never } : {}),
      changedAt: row.changed_at.toISOString(),
    });
    return true;
  }

  /** `record` in a transaction of its own (operator and API changes). */
  async recordNow(c: ConsentChangeInput): Promise<void> {
    await this.runtime.dataSource.transaction((tx) => this.record(tx, c));
    this.runtime.outbox.wake();
  }

  /** The latest change covering texting `phoneNumber` from `channelNumber` (brand-wide or that number). */
  async currentState(
    tenantId: string,
    phoneNumber: string,
    channelNumber?: string,
    tx?: EntityManager,
  ): Promise<'opted-in' | 'opted-out' | 'no-record'> {
    const rows: { state: 'opted-in' | 'opted-out' }[] = await (
      tx ?? this.runtime.dataSource.manager
    ).query(
      `SELECT state FROM consent_change WHERE tenant_id = $1 AND phone_number = $2 AND (scope = 'tenant' OR channel_number = $3)
       ORDER BY seq DESC LIMIT 1`,
      [tenantId, phoneNumber, channelNumber ?? ''],
    );
    return rows[0]?.state ?? 'no-record';
  }

  async history(tenantId: string, phoneNumber?: string): Promise<ConsentChangeRow[]> {
    return this.runtime.dataSource.query(
      `SELECT * FROM consent_change WHERE tenant_id = $1 AND ($2::text IS NULL OR phone_number = $2) ORDER BY seq`,
      [tenantId, phoneNumber ?? null],
    );
  }

  /** Redacts message texts past the retention period; the changes, sources and times stay. */
  async redactExpiredTexts(now = new Date()): Promise<number> {
    const days = this.runtime.config.CONSENT_TEXT_RETENTION_DAYS;
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    const changed: [unknown[], number] = await this.runtime.dataSource.query(
      `UPDATE consent_change SET message_text = NULL, text_redacted_at = now() WHERE message_text IS NOT NULL AND changed_at < $1`,
      [cutoff],
    );
    const reviewed: [unknown[], number] = await this.runtime.dataSource.query(
      `UPDATE consent_review SET message_text = NULL WHERE message_text IS NOT NULL AND flagged_at < $1`,
      [cutoff],
    );
    return changed[1] + reviewed[1];
  }
}
