import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { systemScope, webhookNonces, type SystemScope } from '@textback/persistence';
import {
  counterOf,
  every,
  RUNTIME,
  type PeriodicTask,
  type ServiceRuntime,
} from '@textback/service-kit';
import { inSpan, SpanKind } from '@textback/telemetry';
import { SmsDispatchError } from '../errors';
import { outboundSmsRepository as sends, scopeOfSend } from './outbound-sms.repository';
import { SendOutcomes } from './send-outcomes';

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
@Injectable()
export class DeliveryReportsService implements OnModuleInit, OnModuleDestroy {
  private purge: PeriodicTask | undefined;
  /** Reports name a message, not a tenant: their send is found across tenants. */
  private readonly carrierReports: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly outcomes: SendOutcomes,
  ) {
    this.carrierReports = systemScope('sms-dispatch: Plivo delivery reports', runtime.logger);
  }

  onModuleInit(): void {
    this.purge = every(this.runtime, 'purge-webhook-nonces', 600_000, () =>
      webhookNonces.forgetOlderThan(
        this.runtime.db,
        this.runtime.config.WEBHOOK_NONCE_WINDOW_HOURS,
      ),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.purge?.stop();
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
    const traceparent = await sends.traceOfReported(
      this.runtime.db,
      this.carrierReports,
      uuid,
      sendUuid,
    );
    const duplicate = await inSpan(
      'plivo.delivery-report',
      {
        service: 'sms-dispatch',
        kind: SpanKind.SERVER,
        parent: traceparent,
        attributes: { 'textback.sms.status': status },
      },
      () => this.apply(uuid, status, sequence, errorCode, sendUuid, nonce),
    );
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
    return this.runtime.transaction(async (tx) => {
      if (!(await webhookNonces.remember(tx, nonce)))
        throw new SmsDispatchError(
          'replayed',
          'this request was already received (nonce seen before)',
        );
      const report = { messageUuid: uuid, sequence, status, errorCode };
      if (!(await sends.recordReport(tx, this.carrierReports, report))) return true;
      const row = await sends.lockReported(tx, this.carrierReports, uuid, sendId);
      if (!row) {
        this.runtime.logger.warn(
          { status },
          'delivery report for a message we did not send; kept, ignored',
        );
        return false;
      }
      if (!row.carrierMessageId)
        await this.outcomes.record(row, { kind: 'accepted', messageUuid: uuid }, tx);
      if (sequence <= row.lastSequence) return false; // out of order: a newer status is already in
      await sends.recordLastStatus(tx, scopeOfSend(row), row.smsId, status, sequence);
      if (status === 'delivered') {
        await this.outcomes.record(row, { kind: 'delivered', messageUuid: uuid }, tx);
      } else if (FINAL_FAILURES.has(status)) {
        const reason =
          errorCode === '200'
            ? 'recipient opted out at the carrier (ErrorCode 200)'
            : `carrier reported ${status}`;
        await this.outcomes.record(row, { kind: 'failed', reason, errorCode }, tx);
      }
      return false;
    });
  }
}
