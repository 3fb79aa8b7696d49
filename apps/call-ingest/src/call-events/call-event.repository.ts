import type { TenantScope, Tx } from '@textback/persistence';

/** Generic call events: one row per (provider, call, event) makes repeats idempotent. */
export const callEventRepository = {
  /** False when this call's end was recorded before. */
  async insertEnded(
    tx: Tx,
    scope: TenantScope,
    call: { callId: string; locationId: string; outcome: string; endedAt: string },
  ): Promise<boolean> {
    const inserted = await tx.mutate(
      `INSERT INTO call_event (provider, call_id, event, tenant_id, location_id, outcome, ended_at)
       VALUES ('generic', $1, 'ended', $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [call.callId, scope.tenantId, call.locationId, call.outcome, call.endedAt],
    );
    return inserted > 0;
  },
};
