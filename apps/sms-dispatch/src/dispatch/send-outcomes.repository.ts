import type { SystemScope, TenantScope, Tx } from '@textback/persistence';
import { z } from 'zod';
import { OutboundSmsRow, tenantAnd } from './outbound-sms.repository';

const Delivered = OutboundSmsRow.extend({ transitioned: z.boolean() });

/** A send's final transitions, each once: the row as it became, or undefined when already there. */
export const sendOutcomesRepository = {
  /**
   * The carrier has these messages: one send (its tenant's scope), or the sends of a claim
   * answered together, of any tenants (a system scope; each row still matched by its id and its
   * tenant). The rows that changed, by send id; a send already settled is absent (once only).
   */
  async markAccepted(
    tx: Tx,
    scope: TenantScope | SystemScope,
    sends: readonly {
      smsId: string;
      tenantId: string;
      carrierMessageId: string;
      traceparent: string | null;
      at: Date;
    }[],
  ): Promise<Map<string, OutboundSmsRow>> {
    if ('tenantId' in scope && sends.some((s) => s.tenantId !== scope.tenantId))
      throw new Error("an acceptance names another tenant's send");
    // `updated_at` is the service clock's: the frequency caps count accepted texts by it.
    // From here on the message's reports continue the trace of the send that got it accepted.
    // A staff text's body is a one-time link: kept only until the carrier has it.
    // One statement for the whole group, its rows locked first in id order, as the delivery-
    // report applier locks them. The two deadlocked about once a bench run while a group went in
    // one statement per tenant (each in id order, the group not) or an UPDATE … FROM alone (its
    // plan's order); delivery-report-locking.medium-spec.ts shows both orders.
    const rows = await tx.select(
      OutboundSmsRow,
      `WITH locked AS MATERIALIZED (
         SELECT sms_id FROM outbound_sms WHERE sms_id = ANY($1::uuid[]) ORDER BY sms_id FOR UPDATE)
       UPDATE outbound_sms o SET state = 'accepted', carrier_message_id = a.carrier_message_id, error_reason = NULL,
         updated_at = a.at, traceparent = COALESCE(a.traceparent, o.traceparent),
         body = CASE WHEN o.purpose = 'staff' THEN NULL ELSE o.body END
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
         AS a(sms_id, tenant_id, carrier_message_id, traceparent, at)
       JOIN locked USING (sms_id)
       WHERE o.sms_id = a.sms_id AND o.tenant_id = a.tenant_id
         AND o.state IN ('pending', 'sending', 'unknown')
       RETURNING o.*`,
      [
        sends.map((a) => a.smsId),
        sends.map((a) => a.tenantId),
        sends.map((a) => a.carrierMessageId),
        sends.map((a) => a.traceparent),
        sends.map((a) => a.at),
      ],
    );
    return new Map(rows.map((r) => [r.smsId, r]));
  },

  /**
   * Delivered, if the send was accepted. With `report` (the delivery report saying so) its status
   * and sequence are recorded in the same statement, whatever the send's state.
   */
  async markDelivered(
    tx: Tx,
    scope: TenantScope,
    smsId: string,
    at: Date,
    report?: { status: string; sequence: number },
  ): Promise<OutboundSmsRow | undefined> {
    // `before`: the state as the transaction found it (the row is locked), to tell a transition.
    const row = await tx.selectFirst(
      Delivered,
      `WITH before AS (SELECT state FROM outbound_sms WHERE ${tenantAnd})
       UPDATE outbound_sms o SET
         state = CASE WHEN before.state = 'accepted' THEN 'delivered' ELSE o.state END,
         updated_at = CASE WHEN before.state = 'accepted' THEN $3 ELSE now() END,
         last_status = COALESCE($4, o.last_status), last_sequence = COALESCE($5, o.last_sequence)
       FROM before WHERE o.tenant_id = $2 AND o.sms_id = $1 AND (before.state = 'accepted' OR $4::text IS NOT NULL)
       RETURNING o.*, before.state = 'accepted' AS transitioned`,
      [smsId, scope.tenantId, at, report?.status ?? null, report?.sequence ?? null],
    );
    if (!row?.transitioned) return undefined;
    const { transitioned: _, ...sent } = row;
    return sent;
  },

  markFinished(
    tx: Tx,
    scope: TenantScope,
    smsId: string,
    state: 'failed' | 'suppressed',
    why: { reason: string; errorCode: string | undefined },
  ): Promise<OutboundSmsRow | undefined> {
    return tx.selectFirst(
      OutboundSmsRow,
      `UPDATE outbound_sms SET state = $3, error_reason = $4, error_code = $5, updated_at = now(),
         body = CASE WHEN purpose = 'staff' THEN NULL ELSE body END
       WHERE ${tenantAnd} AND state NOT IN ('failed', 'suppressed', 'delivered') RETURNING *`,
      [smsId, scope.tenantId, state, why.reason, why.errorCode ?? null],
    );
  },
};
