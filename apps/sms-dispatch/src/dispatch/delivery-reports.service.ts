import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Coalescer } from '@textback/coalescing';
import {
  CARRIER_OPT_OUT_ERROR_CODE,
  deliveryOutcomeOf,
  statusLabelOf,
} from '@textback/carrier-plivo';
import {
  systemScope,
  webhookNonces,
  type SystemScope,
  type Tx,
  type WebhookAcceptance,
} from '@textback/persistence';
import {
  counterOf,
  every,
  RecentKeys,
  RUNTIME,
  type PeriodicTask,
  type ServiceRuntime,
  type SignedPlivoHook,
} from '@textback/service-kit';
import { inSpan } from '@textback/telemetry';
import type { SmsDispatchConfig } from '../config';
import { SmsDispatchError } from '../errors';
import {
  deliveryReportRepository as reports,
  type PendingReport,
  type ReportToQueue,
} from './delivery-report.repository';
import { scopeOfSend, type OutboundSmsRow } from './outbound-sms.repository';
import { SendOutcomes } from './send-outcomes';

/**
 * Plivo delivery reports (plivo.md §3): acknowledged once durable (one insert with its nonce),
 * then applied in batches, once per (MessageUUID, Sequence); a report
 * older than the newest one seen changes nothing (`Sequence` orders them). The first report of
 * an ambiguous send settles it as accepted. ErrorCode 200 (the recipient opted out at the
 * carrier) goes out on `sms.failed.v1` with its code, which compliance records as an opt-out.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
@Injectable()
export class DeliveryReportsService implements OnModuleInit, OnModuleDestroy {
  private purge: PeriodicTask | undefined;
  private task: PeriodicTask | undefined;
  /** Reports arriving together are made durable together: one statement, many 200s. */
  private readonly queue: Coalescer<ReportToQueue, WebhookAcceptance>;
  /** Nonces of reports answered from memory: a replay to this replica is refused. */
  private readonly unwritten = new RecentKeys(200_000);
  /** Reports name a message, not a tenant: their send is found across tenants. */
  private readonly carrierReports: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>,
    private readonly outcomes: SendOutcomes,
  ) {
    this.carrierReports = systemScope('sms-dispatch: Plivo delivery reports', runtime.logger);
    this.queue = new Coalescer((group) =>
      reports.acceptEach(this.runtime.db, this.carrierReports, group),
    );
  }

  onModuleInit(): void {
    const { db, config } = this.runtime;
    this.purge = every(this.runtime, 'purge-webhook-nonces', 600_000, () =>
      webhookNonces.forgetOlderThan(db, config.WEBHOOK_NONCE_WINDOW_HOURS),
    );
    // Woken by every accepted report; the timer is the safety net (another replica's, a restart).
    this.task = every(this.runtime, 'apply-delivery-reports', 1_000, async () => {
      const applied = await this.applyBatch();
      return { nextDueInMs: applied >= BATCH ? 0 : undefined };
    });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.purge?.stop(), this.task?.stop()]);
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
    // `queued`/`sent` about a send whose acceptance is recorded: nothing would change, so nothing
    // is written (most reports). Anything else, or a send this replica does not know, is queued.
    if (report.outcome === 'in-flight' && this.outcomes.isAccepted(report.messageUuid)) {
      if (!this.unwritten.add(report.nonce))
        throw new SmsDispatchError(
          'replayed',
          'this request was already received (nonce seen before)',
        );
      return { duplicate: false };
    }
    const accepted = await this.queue.submit({
      nonce: report.nonce,
      messageUuid: report.messageUuid,
      sequence: report.sequence,
      status: report.status,
      errorCode,
      sendId: sendUuid,
    });
    if (accepted === 'replayed')
      throw new SmsDispatchError(
        'replayed',
        'this request was already received (nonce seen before)',
      );
    if (accepted === 'accepted')
      this.task?.kickWithin(this.runtime.config.DELIVERY_REPORT_APPLY_DELAY_MS);
    return { duplicate: accepted === 'repeated' };
  }

  /**
   * One batch of acknowledged reports, oldest first, in one transaction: each onto the send it
   * is about (locked), the span continuing that send's trace. Returns how many it applied.
   */
  async applyBatch(): Promise<number> {
    const taken: PendingReport[] = [];
    try {
      return await this.runtime.transaction((tx) => this.applyReports(tx, BATCH, taken));
    } catch (err) {
      if (taken.length < 2) throw err;
      return this.applyEachAlone(taken, err);
    }
  }

  /**
   * A batch that failed, report by report, each in its own transaction: one that cannot be
   * applied (it stays queued and is tried again on the next pass) never holds up the others.
   * A message's later reports wait behind its failed one: its reports still apply in order.
   */
  private async applyEachAlone(batch: readonly PendingReport[], cause: unknown): Promise<number> {
    this.runtime.logger.warn(
      { reports: batch.length, err: messageOf(cause) },
      'a batch of delivery reports failed; applying them one by one',
    );
    const failed = new Set<string>();
    let applied = 0;
    for (const report of batch) {
      if (failed.has(report.messageUuid)) continue;
      try {
        applied += await this.runtime.transaction((tx) =>
          this.applyReports(tx, 1, [], [report.seq]),
        );
      } catch (err) {
        failed.add(report.messageUuid);
        this.runtime.logger.error(
          { seq: report.seq, err: messageOf(err) },
          'delivery report could not be applied; kept queued',
        );
      }
    }
    return applied;
  }

  /** Applies the oldest queued reports (`only`: just these); `taken` gets the reports read. */
  private async applyReports(
    tx: Tx,
    limit: number,
    taken: PendingReport[],
    only?: readonly number[],
  ): Promise<number> {
    const pending = await reports.pending(tx, this.carrierReports, limit, only);
    taken.push(...pending);
    const sends = await reports.lockReported(
      tx,
      this.carrierReports,
      pending.map((r) => r.messageUuid),
      pending.flatMap((r) => (r.sendId ? [r.sendId] : [])),
    );
    for (const report of pending) await this.apply(tx, report, sends);
    const seqs = pending.map((r) => r.seq);
    if (seqs.length > 0) await reports.markApplied(tx, this.carrierReports, seqs);
    return seqs.length;
  }

  /** `sends`: the batch's sends, kept current as its reports change them. */
  private async apply(tx: Tx, report: PendingReport, sends: OutboundSmsRow[]): Promise<void> {
    const { messageUuid: uuid, status, sequence, receivedAt: at } = report;
    const errorCode = report.errorCode ?? undefined;
    const i = sends.findIndex(
      (s) =>
        s.carrierMessageId === uuid || (s.carrierMessageId === null && s.smsId === report.sendId),
    );
    const row = sends[i];
    if (!row) {
      // Ours by its send id with another message id: the carrier has two messages for one send
      // (an ambiguous send resent because the carrier's record did not show it).
      const twice = sends.find((s) => s.smsId === report.sendId);
      if (twice)
        this.runtime.logger.error(
          { status, messageUuid: uuid, smsId: twice.smsId },
          'a second carrier message for one send; its report is kept, not applied',
        );
      else
        this.runtime.logger.warn(
          { status, messageUuid: uuid },
          'delivery report for a message we did not send; kept, ignored',
        );
      return;
    }
    const span = {
      service: 'sms-dispatch',
      parent: row.traceparent,
      attributes: { 'textback.sms.status': status },
    };
    await inSpan('plivo.delivery-report', span, async () => {
      if (!row.carrierMessageId) {
        await this.outcomes.record(row, { kind: 'accepted', messageUuid: uuid }, tx, at);
        sends[i] = { ...row, carrierMessageId: uuid };
      }
      if (sequence <= row.lastSequence) return; // out of order: a newer status is in
      const outcome = deliveryOutcomeOf(status);
      // Still on its way (queued, sent): nothing changes for the send, nothing is written.
      if (outcome === 'in-flight') return;
      sends[i] = { ...(sends[i] ?? row), lastSequence: sequence };
      if (outcome === 'delivered') {
        // The report's status is recorded with the transition, in one statement.
        const report = { status, sequence };
        await this.outcomes.record(row, { kind: 'delivered', messageUuid: uuid, report }, tx, at);
        return;
      }
      await reports.recordLastStatus(tx, scopeOfSend(row), row.smsId, status, sequence);
      if (outcome === 'failed') {
        const reason =
          errorCode === CARRIER_OPT_OUT_ERROR_CODE
            ? 'recipient opted out at the carrier (ErrorCode 200)'
            : `carrier reported ${status}`;
        await this.outcomes.record(row, { kind: 'failed', reason, errorCode }, tx, at);
      }
    });
  }
}

const BATCH = 200;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
