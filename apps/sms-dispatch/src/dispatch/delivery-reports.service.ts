import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { purgeNoncesPeriodically, rememberNonce } from '@textback/persistence';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { inSpan, SpanKind } from '@textback/telemetry';
import { SmsDispatchError } from '../errors';
import { DispatchService, type OutboundSmsRow } from './dispatch.service';

const FINAL_FAILURES = new Set(['failed', 'undelivered', 'rejected']);
const KNOWN_STATUSES = new Set([
  'queued',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'rejected',
  'read',
]);

/**
 * Plivo delivery reports (plivo.md §3): recorded once per (MessageUUID, Sequence); a report
 * older than the newest one seen changes nothing (`Sequence` orders them). The first report of
 * an ambiguous send settles it as accepted. ErrorCode 200 (the recipient opted out at the
 * carrier) goes out on `sms.failed.v1` with its code, which compliance records as an opt-out.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * The send a report is about: by the carrier's message id, or (before we recorded it) by our send
 * id. Both are compared in their own types so each uses its index (a ::text cast scanned the table).
 */
export const FIND_SEND = `SELECT * FROM outbound_sms WHERE sms_id = (
  SELECT sms_id FROM outbound_sms WHERE carrier_message_id = $1
  UNION ALL
  SELECT sms_id FROM outbound_sms WHERE sms_id = $2::uuid AND carrier_message_id IS NULL
  LIMIT 1)`;

@Injectable()
export class DeliveryReportsService implements OnModuleInit, OnModuleDestroy {
  private stopPurge: () => void = () => undefined;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly dispatch: DispatchService,
  ) {}

  onModuleInit(): void {
    this.stopPurge = purgeNoncesPeriodically(
      this.runtime.dataSource,
      this.runtime.config.WEBHOOK_NONCE_WINDOW_HOURS,
    );
  }

  onModuleDestroy(): void {
    this.stopPurge();
  }

  async receive(
    params: Record<string, string>,
    sendId: string | undefined,
    nonce: string,
  ): Promise<{ duplicate: boolean }> {
    const uuid = params['MessageUUID'] ?? '';
    const status = (params['Status'] ?? '').toLowerCase();
    const sequence = Number.parseInt(params['Sequence'] ?? '', 10);
    if (!/^[A-Za-z0-9-]{8,64}$/.test(uuid))
      throw new SmsDispatchError('invalid-payload', 'MessageUUID: missing or malformed');
    if (!status) throw new SmsDispatchError('invalid-payload', 'Status: missing');
    if (!Number.isSafeInteger(sequence) || sequence < 0)
      throw new SmsDispatchError('invalid-payload', 'Sequence: must be a non-negative integer');
    const errorCode = params['ErrorCode'] || undefined;
    // Our send id rides on the status URL; anything but a UUID there is not ours.
    const sendUuid = sendId && UUID.test(sendId) ? sendId : null;
    counterOf(
      this.runtime.registry,
      'sms_dispatch_delivery_reports_total',
      'Carrier delivery reports by status and error code',
      ['status', 'error_code'],
    ).inc({
      status: KNOWN_STATUSES.has(status) ? status : 'other',
      error_code: /^\d{1,5}$/.test(errorCode ?? '') ? (errorCode as string) : 'none',
    });
    // Continue the trace of the send this report is about.
    const sent: { traceparent: string | null }[] = await this.runtime.dataSource.query(
      FIND_SEND.replace('SELECT *', 'SELECT traceparent'),
      [uuid, sendUuid],
    );
    const duplicate = await inSpan(
      'plivo.delivery-report',
      {
        service: 'sms-dispatch',
        kind: SpanKind.SERVER,
        parent: sent[0]?.traceparent,
        attributes: { 'textback.sms.status': status },
      },
      () => this.apply(uuid, status, sequence, errorCode, sendUuid, nonce),
    );
    this.runtime.outbox.wake();
    return { duplicate };
  }

  private apply(
    uuid: string,
    status: string,
    sequence: number,
    errorCode: string | undefined,
    sendId: string | null,
    nonce: string,
  ): Promise<boolean> {
    return this.runtime.dataSource.transaction(async (tx) => {
      if (!(await rememberNonce(tx, nonce)))
        throw new SmsDispatchError(
          'replayed',
          'this request was already received (nonce seen before)',
        );
      const first: unknown[] = await tx.query(
        'INSERT INTO delivery_report (message_uuid, sequence, status, error_code) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING sequence',
        [uuid, sequence, status, errorCode ?? null],
      );
      if (first.length === 0) return true;
      const rows: OutboundSmsRow[] = await tx.query(`${FIND_SEND} FOR UPDATE`, [uuid, sendId]);
      const row = rows[0];
      if (!row) {
        this.runtime.logger.warn(
          { status },
          'delivery report for a message we did not send; kept, ignored',
        );
        return false;
      }
      if (!row.carrier_message_id) await this.dispatch.accept(row, uuid, tx);
      if (sequence <= Number(row.last_sequence)) return false; // out of order: a newer status is already in
      await tx.query(
        'UPDATE outbound_sms SET last_status = $2, last_sequence = $3, updated_at = now() WHERE sms_id = $1',
        [row.sms_id, status, sequence],
      );
      if (status === 'delivered') {
        await this.dispatch.deliver(row, uuid, tx);
      } else if (FINAL_FAILURES.has(status)) {
        const reason =
          errorCode === '200'
            ? 'recipient opted out at the carrier (ErrorCode 200)'
            : `carrier reported ${status}`;
        await this.dispatch.finish(row, 'failed', { reason, errorCode }, tx);
      }
      return false;
    });
  }
}
