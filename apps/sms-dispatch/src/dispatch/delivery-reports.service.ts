import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CARRIER_OPT_OUT_ERROR_CODE, statusLabelOf } from '@textback/carrier-plivo';
import { systemScope, webhookNonces, type SystemScope } from '@textback/persistence';
import {
  counterOf,
  every,
  RUNTIME,
  type PeriodicTask,
  type ServiceRuntime,
  type SignedPlivoHook,
} from '@textback/service-kit';
import { inSpan, SpanKind } from '@textback/telemetry';
import { SmsDispatchError } from '../errors';
import { deliveryReportRepository as reports } from './delivery-report.repository';
import { scopeOfSend } from './outbound-sms.repository';
import { SendOutcomes } from './send-outcomes';

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
    report: SignedPlivoHook<'deliveryReport'>,
    sendId: string | undefined,
  ): Promise<{ duplicate: boolean }> {
    // Our send id rides on the status URL; anything but a UUID there is not ours.
    const sendUuid = sendId && UUID.test(sendId) ? sendId : null;
    const errorCode = report.errorCode;
    counterOf(
      this.runtime.registry,
      'sms_dispatch_delivery_reports_total',
      'Carrier delivery reports by status and error code',
      ['status', 'error_code'],
    ).inc({
      status: statusLabelOf(report.status),
      error_code: /^\d{1,5}$/.test(errorCode ?? '') ? (errorCode as string) : 'none',
    });
    return { duplicate: await this.apply(report, sendUuid) };
  }

  /**
   * One transaction a report: its nonce, its (message, sequence), the send it is about (locked),
   * and what it changes — the span continuing the trace of that send.
   */
  private apply(
    report: SignedPlivoHook<'deliveryReport'>,
    sendId: string | null,
  ): Promise<boolean> {
    const { messageUuid: uuid, status, sequence, errorCode } = report;
    return this.runtime.transaction(async (tx) => {
      if (!(await webhookNonces.remember(tx, report.nonce)))
        throw new SmsDispatchError(
          'replayed',
          'this request was already received (nonce seen before)',
        );
      const recorded = { messageUuid: uuid, sequence, status, errorCode };
      if (!(await reports.recordReport(tx, this.carrierReports, recorded))) return true;
      const row = await reports.lockReported(tx, this.carrierReports, uuid, sendId);
      if (!row) {
        this.runtime.logger.warn(
          { status },
          'delivery report for a message we did not send; kept, ignored',
        );
        return false;
      }
      const span = {
        service: 'sms-dispatch',
        kind: SpanKind.SERVER,
        parent: row.traceparent,
        attributes: { 'textback.sms.status': status },
      };
      return inSpan('plivo.delivery-report', span, async () => {
        if (!row.carrierMessageId)
          await this.outcomes.record(row, { kind: 'accepted', messageUuid: uuid }, tx);
        if (sequence <= row.lastSequence) return false; // out of order: a newer status is in
        await reports.recordLastStatus(tx, scopeOfSend(row), row.smsId, status, sequence);
        if (report.outcome === 'delivered') {
          await this.outcomes.record(row, { kind: 'delivered', messageUuid: uuid }, tx);
        } else if (report.outcome === 'failed') {
          const reason =
            errorCode === CARRIER_OPT_OUT_ERROR_CODE
              ? 'recipient opted out at the carrier (ErrorCode 200)'
              : `carrier reported ${status}`;
          await this.outcomes.record(row, { kind: 'failed', reason, errorCode }, tx);
        }
        return false;
      });
    });
  }
}
