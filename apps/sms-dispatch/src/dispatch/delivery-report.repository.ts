import type { Sql, SystemScope, TenantScope, Tx } from '@textback/persistence';
import { OutboundSmsRow, tenantAnd } from './outbound-sms.repository';

/**
 * The send a report is about: by the carrier's message id, or (before we recorded it) by our send
 * id. Both are compared in their own types so each uses its index (a ::text cast scanned the table).
 */
export const FIND_SEND = `SELECT * FROM outbound_sms WHERE sms_id = (
  SELECT sms_id FROM outbound_sms WHERE carrier_message_id = $1
  UNION ALL
  SELECT sms_id FROM outbound_sms WHERE sms_id = $2::uuid AND carrier_message_id IS NULL
  LIMIT 1)`;

/** Delivery reports, once per (message, sequence), and the send each is about. */
export const deliveryReportRepository = {
  /** False when this (message, sequence) was recorded before. */
  async recordReport(
    tx: Tx,
    _scope: SystemScope,
    report: {
      messageUuid: string;
      sequence: number;
      status: string;
      errorCode: string | undefined;
    },
  ): Promise<boolean> {
    const inserted = await tx.mutate(
      'INSERT INTO delivery_report (message_uuid, sequence, status, error_code) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [report.messageUuid, report.sequence, report.status, report.errorCode ?? null],
    );
    return inserted > 0;
  },

  lockReported(
    tx: Tx,
    _scope: SystemScope,
    messageUuid: string,
    sendId: string | null,
  ): Promise<OutboundSmsRow | undefined> {
    return tx.selectFirst(OutboundSmsRow, `${FIND_SEND} FOR UPDATE`, [messageUuid, sendId]);
  },

  async recordLastStatus(
    sql: Sql,
    scope: TenantScope,
    smsId: string,
    status: string,
    sequence: number,
  ): Promise<void> {
    await sql.mutate(
      `UPDATE outbound_sms SET last_status = $3, last_sequence = $4, updated_at = now() WHERE ${tenantAnd}`,
      [smsId, scope.tenantId, status, sequence],
    );
  },
};
