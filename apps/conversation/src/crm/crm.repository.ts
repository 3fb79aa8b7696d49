import { z } from 'zod';
import type { LeadChangedV1 } from '@textback/contracts';
import {
  col,
  type Database,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';

const DueDelivery = z.object({
  seq: col.bigint,
  deliveryId: col.uuid,
  tenantId: col.tenantId,
  eventType: col.text,
  /** Sent as stored (the lead as it was when queued); only its time is read here. */
  payload: z.looseObject({ changedAt: z.string() }),
  attempts: col.int,
  url: col.text,
  /** The tenant's CRM secret, sealed (opened just before signing). */
  sealedSecret: col.text,
});
export type DueDelivery = z.output<typeof DueDelivery>;

const DeliveryView = z.object({
  deliveryId: col.uuid,
  leadId: col.uuid,
  leadVersion: col.int,
  eventType: col.text,
  status: z.enum(['pending', 'delivered', 'dead']),
  attempts: col.int,
  lastStatus: col.int.nullable(),
  lastError: col.text.nullable(),
  createdAt: col.timestamp,
  deliveredAt: col.timestamp.nullable(),
});
export type DeliveryView = z.output<typeof DeliveryView>;

/** Each tenant's CRM webhook endpoint and the delivery log that is also the retry queue. */
export const crmRepository = {
  /** Saves the endpoint with its secret sealed (never stored in the clear). */
  async saveEndpoint(db: Database, scope: TenantScope, url: string, sealed: string): Promise<void> {
    await db.mutate(
      `INSERT INTO crm_endpoint (tenant_id, url, secret_sealed) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET url = EXCLUDED.url, secret = NULL, secret_sealed = EXCLUDED.secret_sealed, updated_at = now()`,
      [scope.tenantId, url, sealed],
    );
  },

  async sealedSecretOf(db: Database, scope: TenantScope): Promise<string | undefined> {
    const row = await db.selectFirst(
      z.object({ secretSealed: col.text }),
      'SELECT secret_sealed FROM crm_endpoint WHERE tenant_id = $1 AND secret_sealed IS NOT NULL',
      [scope.tenantId],
    );
    return row?.secretSealed;
  },

  /** Every endpoint's secret as stored: plain (from before sealing) or sealed (maybe by an old key). */
  storedSecrets(db: Database, _scope: SystemScope) {
    return db.select(
      z.object({
        tenantId: col.tenantId,
        secret: col.text.nullable(),
        secretSealed: col.text.nullable(),
      }),
      'SELECT tenant_id, secret, secret_sealed FROM crm_endpoint ORDER BY tenant_id',
    );
  },

  /** Replaces what is stored with `sealed`, unless the row changed meanwhile. */
  async storeSealed(
    db: Database,
    scope: TenantScope,
    was: { secret: string | null; secretSealed: string | null },
    sealed: string,
  ): Promise<void> {
    await db.mutate(
      `UPDATE crm_endpoint SET secret = NULL, secret_sealed = $2
       WHERE tenant_id = $1 AND secret IS NOT DISTINCT FROM $3 AND secret_sealed IS NOT DISTINCT FROM $4`,
      [scope.tenantId, sealed, was.secret, was.secretSealed],
    );
  },

  /**
   * Queues a lead change for the tenant's CRM, if it has one, in the lead's transaction: gathered
   * over the transaction and written in one statement just before its commit (a consumer's unit
   * of many leads, one insert); `onQueued` runs after the commit if anything was queued.
   */
  enqueue(
    tx: Tx,
    scope: TenantScope,
    d: { deliveryId: string; lead: LeadChangedV1; eventType: string },
    onQueued: () => void,
  ): void {
    tx.gathered(
      CRM_DELIVERIES,
      (): GatheredDeliveries => ({ entries: [], onQueued }),
      insertDeliveries,
    ).entries.push({
      deliveryId: d.deliveryId,
      tenantId: scope.tenantId,
      leadId: d.lead.leadId,
      version: d.lead.version,
      eventType: d.eventType,
      payload: JSON.stringify(d.lead),
    });
  },

  deliveries(db: Database, scope: TenantScope, status?: string): Promise<DeliveryView[]> {
    return db.select(
      DeliveryView,
      `SELECT delivery_id, lead_id, lead_version, event_type, status, attempts, last_status, last_error, created_at, delivered_at
       FROM crm_delivery WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY seq DESC LIMIT 500`,
      [scope.tenantId, status ?? null],
    );
  },

  /** Puts a dead delivery back in the queue; false when there is no such dead delivery. */
  async retryDead(db: Database, scope: TenantScope, deliveryId: string): Promise<boolean> {
    const updated = await db.mutate(
      `UPDATE crm_delivery SET status = 'pending', attempts = 0, next_attempt_at = now()
       WHERE delivery_id = $1 AND tenant_id = $2 AND status = 'dead'`,
      [deliveryId, scope.tenantId],
    );
    return updated > 0;
  },

  /** The oldest pending delivery of each lead of every tenant, when due (order per lead is kept). */
  claimDue(tx: Tx, _scope: SystemScope, limit: number): Promise<DueDelivery[]> {
    return tx.select(
      DueDelivery,
      `SELECT d.*, e.url, e.secret_sealed AS sealed_secret FROM crm_delivery d JOIN crm_endpoint e USING (tenant_id)
       WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND e.secret_sealed IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM crm_delivery p WHERE p.lead_id = d.lead_id AND p.status = 'pending' AND p.seq < d.seq)
       ORDER BY d.seq LIMIT $1 FOR UPDATE OF d SKIP LOCKED`,
      [limit],
    );
  },

  async markDelivered(tx: Tx, scope: TenantScope, seq: number, httpStatus: number): Promise<void> {
    await tx.mutate(
      `UPDATE crm_delivery SET status = 'delivered', attempts = attempts + 1, last_status = $3, delivered_at = now()
       WHERE seq = $1 AND tenant_id = $2`,
      [seq, scope.tenantId, httpStatus],
    );
  },

  async markAttemptFailed(
    tx: Tx,
    scope: TenantScope,
    seq: number,
    f: {
      attempts: number;
      dead: boolean;
      httpStatus: number | null;
      error: string;
      retryInMs: number;
    },
  ): Promise<void> {
    await tx.mutate(
      `UPDATE crm_delivery SET attempts = $3, status = $4, last_status = $5, last_error = $6,
         next_attempt_at = now() + make_interval(secs => $7::double precision / 1000) WHERE seq = $1 AND tenant_id = $2`,
      [
        seq,
        scope.tenantId,
        f.attempts,
        f.dead ? 'dead' : 'pending',
        f.httpStatus,
        f.error,
        f.retryInMs,
      ],
    );
  },
};

/** The CRM deliveries a transaction gathers (see `Tx.gathered`). */
const CRM_DELIVERIES = { gathering: 'crm_delivery' };
interface GatheredDeliveries {
  entries: {
    deliveryId: string;
    tenantId: string;
    leadId: string;
    version: number;
    eventType: string;
    payload: string;
  }[];
  onQueued: () => void;
}

/** Only the tenants with an endpoint get theirs; in the order queued (a lead's versions in order). */
async function insertDeliveries(tx: Tx, g: GatheredDeliveries): Promise<void> {
  const e = g.entries;
  const queued = await tx.mutate(
    `INSERT INTO crm_delivery (delivery_id, tenant_id, lead_id, lead_version, event_type, payload)
     SELECT q.d, q.t, q.l, q.v, q.e, q.p
     FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[], $6::jsonb[]) WITH ORDINALITY AS q(d, t, l, v, e, p, n)
     WHERE EXISTS (SELECT 1 FROM crm_endpoint c WHERE c.tenant_id = q.t)
     ORDER BY q.n`,
    [
      e.map((x) => x.deliveryId),
      e.map((x) => x.tenantId),
      e.map((x) => x.leadId),
      e.map((x) => x.version),
      e.map((x) => x.eventType),
      e.map((x) => x.payload),
    ],
  );
  if (queued > 0) tx.afterCommit(g.onQueued);
}
