import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { LeadChangedV1, LeadStatus } from '@textback/contracts';
import { addToOutbox, type TenantScope, type Tx } from '@textback/persistence';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { CrmSyncService } from '../crm/crm-sync.service';
import { leadRepository as leads, type LeadChange, type LeadRow } from './leads.repository';
import type { ThreadRow } from './threads.repository';

/**
 * A thread's lead: made on first need, changed by qualification, booking or closing; every
 * change is published (`lead.changed.v1`) and queued for the tenant's CRM in its transaction.
 */
@Injectable()
export class LeadRecorder {
  /** Leads reaching each status (SRE funnel view; per-tenant detail is the reporting API's). */
  private readonly transitions: Counter<'status'>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly crm: CrmSyncService,
  ) {
    this.transitions = counterOf(
      runtime.registry,
      'conversation_lead_transitions_total',
      'Leads entering a status',
      ['status'],
    );
  }

  /**
   * The thread's lead, locked; made with `status` when there is none yet. `newThread`: the
   * thread was made in this transaction (it has no lead: no need to look).
   */
  async of(
    tx: Tx,
    scope: TenantScope,
    thread: ThreadRow,
    status: LeadStatus,
    newThread = false,
  ): Promise<LeadRow> {
    const existing = newThread ? undefined : await leads.ofThread(tx, scope, thread.threadId, true);
    if (existing) return existing;
    const lead = await leads.insert(tx, scope, randomUUID(), thread, status);
    await this.publish(tx, scope, lead);
    return lead;
  }

  async change(tx: Tx, scope: TenantScope, lead: LeadRow, change: LeadChange): Promise<LeadRow> {
    const saved = await leads.save(tx, scope, { ...lead, ...change });
    await this.publish(tx, scope, saved, lead.status);
    return saved;
  }

  private async publish(
    tx: Tx,
    scope: TenantScope,
    l: LeadRow,
    previousStatus?: string,
  ): Promise<void> {
    if (l.status !== previousStatus) this.transitions.inc({ status: l.status });
    const event: LeadChangedV1 = {
      leadId: l.leadId,
      tenantId: l.tenantId,
      locationId: l.locationId,
      threadId: l.threadId,
      ...(l.callId ? { callId: l.callId } : {}),
      customerNumber: l.customerNumber,
      status: l.status,
      ...(l.serviceType ? { serviceType: l.serviceType } : {}),
      urgent: l.urgent,
      ...(l.emergency ? { emergency: l.emergency } : {}),
      ...(l.zip ? { zip: l.zip } : {}),
      ...(l.requestedTime ? { requestedTime: l.requestedTime.toISOString() } : {}),
      ...(l.valueMinor !== null && l.currency
        ? { value: { amountMinor: l.valueMinor, currency: l.currency } }
        : {}),
      version: l.version,
      changedAt: this.runtime.clock.now().toISOString(),
    };
    await addToOutbox(tx, 'lead.changed.v1', event);
    this.crm.enqueue(tx, scope, event, previousStatus);
  }
}
