import type { TenantScope, Tx } from '@textback/persistence';
import { OutboundSmsRow, tenantAnd } from './outbound-sms.repository';

/** A send's final transitions, each once: the row as it became, or undefined when already there. */
export const sendOutcomesRepository = {
  /** The carrier has the message; undefined when it was already settled (once only). */
  markAccepted(
    tx: Tx,
    scope: TenantScope,
    smsId: string,
    carrierMessageId: string,
    traceparent: string | null,
    at: Date,
  ): Promise<OutboundSmsRow | undefined> {
    // `updated_at` is the service clock's: the frequency caps count accepted texts by it.
    return tx.selectFirst(
      OutboundSmsRow,
      // From here on the message's reports continue the trace of the send that got it accepted.
      // A staff text's body is a one-time link: kept only until the carrier has it.
      `UPDATE outbound_sms SET state = 'accepted', carrier_message_id = $3, error_reason = NULL, updated_at = $5,
         traceparent = COALESCE($4, traceparent), body = CASE WHEN purpose = 'staff' THEN NULL ELSE body END
       WHERE ${tenantAnd} AND state IN ('pending', 'sending', 'unknown') RETURNING *`,
      [smsId, scope.tenantId, carrierMessageId, traceparent, at],
    );
  },

  markDelivered(
    tx: Tx,
    scope: TenantScope,
    smsId: string,
    at: Date,
  ): Promise<OutboundSmsRow | undefined> {
    return tx.selectFirst(
      OutboundSmsRow,
      `UPDATE outbound_sms SET state = 'delivered', updated_at = $3 WHERE ${tenantAnd} AND state = 'accepted' RETURNING *`,
      [smsId, scope.tenantId, at],
    );
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
