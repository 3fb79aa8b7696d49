import { z } from 'zod';
import { LeadStatus } from '@textback/contracts';
import {
  col,
  scopeParams,
  type Database,
  type Sql,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import { inScope, type ThreadRow } from './threads.repository';

export const LeadRow = z.object({
  leadId: col.uuid,
  threadId: col.uuid,
  tenantId: col.tenantId,
  locationId: col.locationId,
  callId: col.text.nullable(),
  customerNumber: col.e164,
  status: LeadStatus,
  serviceType: col.text.nullable(),
  urgent: col.bool,
  emergency: col.text.nullable(),
  zip: col.text.nullable(),
  requestedTime: col.timestamp.nullable(),
  valueMinor: col.bigint.nullable(),
  currency: col.text.nullable(),
  version: col.int,
});
export type LeadRow = z.output<typeof LeadRow>;
/** What a lead change may set (the rest is kept). */
export type LeadChange = Partial<Omit<LeadRow, 'leadId' | 'threadId' | 'tenantId' | 'version'>>;

/** Leads: one per thread. */
export const leadRepository = {
  ofThread(
    sql: Sql,
    scope: TenantScope,
    threadId: string,
    lock = false,
  ): Promise<LeadRow | undefined> {
    return sql.selectFirst(
      LeadRow,
      `SELECT * FROM lead WHERE thread_id = $1 AND ${inScope(2, 'lead')}${lock ? ' FOR UPDATE' : ''}`,
      [threadId, ...scopeParams(scope)],
    );
  },

  insert(
    tx: Tx,
    scope: TenantScope,
    leadId: string,
    thread: ThreadRow,
    status: LeadStatus,
  ): Promise<LeadRow> {
    return tx.selectOne(
      LeadRow,
      `INSERT INTO lead (lead_id, thread_id, tenant_id, location_id, call_id, customer_number, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        leadId,
        thread.threadId,
        scope.tenantId,
        thread.locationId,
        thread.callId,
        thread.customerNumber,
        status,
      ],
    );
  },

  save(tx: Tx, scope: TenantScope, lead: LeadRow): Promise<LeadRow> {
    return tx.selectOne(
      LeadRow,
      `UPDATE lead SET status = $4, service_type = $5, urgent = $6, emergency = $7, zip = $8, requested_time = $9,
         value_minor = $10, currency = $11, version = version + 1, updated_at = now()
       WHERE lead_id = $1 AND ${inScope(2, 'lead')} RETURNING *`,
      [
        lead.leadId,
        ...scopeParams(scope),
        lead.status,
        lead.serviceType,
        lead.urgent,
        lead.emergency,
        lead.zip,
        lead.requestedTime,
        lead.valueMinor,
        lead.currency,
      ],
    );
  },

  /**
   * A lead named by a tenant's CRM webhook: the lead id says whose it is (the signature, checked
   * next with that tenant's secret, says whether to believe it). Compared as a UUID so the
   * primary-key index is used.
   */
  ownerOf(db: Database, _scope: SystemScope, leadId: string) {
    return db.selectFirst(
      z.object({ tenantId: col.tenantId, threadId: col.uuid }),
      'SELECT tenant_id, thread_id FROM lead WHERE lead_id = $1::uuid',
      [leadId],
    );
  },
};
