import { z } from 'zod';
import {
  col,
  webhookNonces,
  type Database,
  type Sql,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import { OutboundSmsRow, tenantAnd } from './outbound-sms.repository';

/**
 * The sends a batch of reports is about: by the carrier's message id, or (before we recorded it)
 * by our send id. Both are compared in their own types so each uses its index (a ::text cast
 * scanned the table).
 */
export const FIND_SENDS = `SELECT * FROM outbound_sms WHERE sms_id IN (
  SELECT sms_id FROM outbound_sms WHERE carrier_message_id = ANY($1::text[])
  UNION ALL
  SELECT sms_id FROM outbound_sms WHERE sms_id = ANY($2::uuid[]) AND carrier_message_id IS NULL)`;

const PendingReport = z.object({
  seq: col.bigint,
  messageUuid: col.text,
  sequence: col.bigint,
  status: col.text,
  errorCode: col.text.nullable(),
  sendId: col.text.nullable(),
  receivedAt: col.timestamp,
});
export type PendingReport = z.output<typeof PendingReport>;

/** Delivery reports, once per (message, sequence), and the send each is about. */
export const deliveryReportRepository = {
  /**
   * One statement: the nonce, then the report. 'replayed' when the nonce was seen before;
   * 'repeated' when this (message, sequence) came before under another nonce (Plivo's retry).
   */
  accept(
    db: Database,
    _scope: SystemScope,
    report: {
      nonce: string;
      messageUuid: string;
      sequence: number;
      status: string;
      errorCode: string | undefined;
      sendId: string | null;
    },
  ): Promise<'accepted' | 'repeated' | 'replayed'> {
    return webhookNonces.acceptOnce(
      db,
      report.nonce,
      `INSERT INTO delivery_report (message_uuid, sequence, status, error_code, send_id)
       SELECT $2, $3, $4, $5, $6 FROM nonce ON CONFLICT DO NOTHING RETURNING 1`,
      [report.messageUuid, report.sequence, report.status, report.errorCode ?? null, report.sendId],
    );
  },

  /** The oldest reports not yet applied, locked (another replica's worker takes others). */
  pending(tx: Tx, _scope: SystemScope, limit: number): Promise<PendingReport[]> {
    return tx.select(
      PendingReport,
      `SELECT seq, message_uuid, sequence, status, error_code, send_id, received_at
       FROM delivery_report WHERE applied_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  },

  async markApplied(tx: Tx, _scope: SystemScope, seqs: readonly number[]): Promise<void> {
    await tx.mutate('UPDATE delivery_report SET applied_at = now() WHERE seq = ANY($1::bigint[])', [
      seqs,
    ]);
  },

  /**
   * The sends a batch of reports is about, locked in one statement (in id order, so two
   * replicas' appliers never wait on each other crosswise): by the carrier's message id, or by
   * our send id for a send whose message id we have not recorded yet.
   */
  lockReported(
    tx: Tx,
    _scope: SystemScope,
    messageUuids: readonly string[],
    sendIds: readonly string[],
  ): Promise<OutboundSmsRow[]> {
    return tx.select(OutboundSmsRow, `${FIND_SENDS} ORDER BY sms_id FOR UPDATE`, [
      messageUuids,
      sendIds,
    ]);
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
