import { z } from 'zod';
import {
  col,
  webhookNonces,
  type Database,
  type Sql,
  type SystemScope,
  type TenantScope,
  type Tx,
  type WebhookAcceptance,
  type WebhookQueue,
} from '@textback/persistence';
import { OutboundSmsRow, tenantAnd } from './outbound-sms.repository';

/**
 * The sends a batch of reports is about: by the carrier's message id, or by our send id (the
 * status URL carries it). One table and no subquery: a row locked by a send whose acceptance
 * commits while we wait is rechecked on its new version by `sms_id`, which never changes. (A
 * self-join here lost such rows: PostgreSQL's recheck of a locked row against the join dropped
 * all but one of a batch accepted meanwhile, and their reports were ignored.) Each condition
 * keeps its column's type so both use their index.
 */
export const FIND_SENDS = `SELECT * FROM outbound_sms
  WHERE carrier_message_id = ANY($1::text[]) OR sms_id = ANY($2::uuid[])`;

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

export interface ReportToQueue {
  nonce: string;
  messageUuid: string;
  sequence: number;
  status: string;
  errorCode: string | undefined;
  sendId: string | null;
}

const DELIVERY_REPORT_QUEUE: WebhookQueue = {
  table: 'delivery_report',
  columns: [
    { name: 'message_uuid', type: 'text' },
    { name: 'sequence', type: 'bigint' },
    { name: 'status', type: 'text' },
    { name: 'error_code', type: 'text' },
    { name: 'send_id', type: 'uuid' },
  ],
  key: ['message_uuid', 'sequence'],
};

/** Delivery reports, once per (message, sequence), and the send each is about. */
export const deliveryReportRepository = {
  /**
   * One statement for a group of reports: each one's nonce, then the report (see
   * `webhookNonces.acceptEach`): 'replayed', 'repeated' (this (message, sequence) came before
   * under another nonce: Plivo's retry) or 'accepted', one per report.
   */
  acceptEach(
    db: Database,
    _scope: SystemScope,
    reports: readonly ReportToQueue[],
  ): Promise<WebhookAcceptance[]> {
    return webhookNonces.acceptEach(
      db,
      DELIVERY_REPORT_QUEUE,
      reports.map((r) => ({
        nonce: r.nonce,
        values: [r.messageUuid, r.sequence, r.status, r.errorCode ?? null, r.sendId],
      })),
    );
  },

  /** The oldest reports not yet applied, locked (another replica's worker takes others). */
  /** The oldest unapplied reports (`only`: just those of these seqs), locked for applying. */
  pending(
    tx: Tx,
    _scope: SystemScope,
    limit: number,
    only?: readonly number[],
  ): Promise<PendingReport[]> {
    return tx.select(
      PendingReport,
      `SELECT seq, message_uuid, sequence, status, error_code, send_id, received_at
       FROM delivery_report WHERE applied_at IS NULL AND ($2::bigint[] IS NULL OR seq = ANY($2::bigint[]))
       ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit, only ?? null],
    );
  },

  async markApplied(tx: Tx, _scope: SystemScope, seqs: readonly number[]): Promise<void> {
    await tx.mutate('UPDATE delivery_report SET applied_at = now() WHERE seq = ANY($1::bigint[])', [
      seqs,
    ]);
  },

  /**
   * The sends a batch of reports is about, locked in one statement (in id order, so two
   * replicas' appliers never wait on each other crosswise): by the carrier's message id or by
   * our send id (see FIND_SENDS).
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
