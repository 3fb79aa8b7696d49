import type { E164 } from '@textback/contracts';
import type { TenantScope, Tx } from '@textback/persistence';

/** Inbound texts as received, once per carrier message. */
export const inboundMessageRepository = {
  /** False when this message was stored before (the carrier's retry). */
  async insert(
    tx: Tx,
    scope: TenantScope,
    m: {
      messageUuid: string;
      locationId: string;
      from: E164;
      to: E164;
      body: string;
      intent: string | null;
    },
  ): Promise<boolean> {
    const inserted = await tx.mutate(
      `INSERT INTO inbound_message (message_uuid, tenant_id, location_id, from_number, to_number, body, carrier_intent)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [m.messageUuid, scope.tenantId, m.locationId, m.from, m.to, m.body, m.intent],
    );
    return inserted > 0;
  },
};
