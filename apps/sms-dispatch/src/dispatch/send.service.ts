import { Inject, Injectable } from '@nestjs/common';
import { ExponentialBackoff } from 'cockatiel';
import type { SendResult } from '@textback/carrier-plivo';
import { decideSendHold } from '@textback/domain';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { inSpan, SpanKind } from '@textback/telemetry';
import { LocationDirectory } from '@textback/tenancy';
import type { SmsDispatchConfig } from '../config';
import { SmsDispatchError } from '../errors';
import { Carriers } from './carrier';
import { ComplianceClient } from './compliance.client';
import { DispatchMetrics } from './dispatch.metrics';
import { knownLocation } from './locations';
import type { ClaimedSend, OutboundSmsRow } from './outbound-sms.repository';
import { SendRateLimits } from './send-rate-limits';
import { Reconciler } from './reconciler';
import { SendOutcomes } from './send-outcomes';
import { claimTooOldToCall, SendSchedule } from './send-schedule';
import { staffTextConsentRepository as staffConsent } from '@textback/consent';

const CLAIM_TOO_OLD = 'claimed too long before its carrier call: claimed again';

/**
 * One claimed send, start to end: its location, the send-hold policy (quiet hours, caps, the
 * opt-out confirmation window), the rate limits, consent asked at the last moment (failing
 * closed), the carrier call, and what its answer means. A definite refusal is retried with
 * backoff; an ambiguous answer is never resent blindly (docs/decisions/0003).
 */
@Injectable()
export class SendService {
  private readonly limits: SendRateLimits;
  private readonly backoff: ExponentialBackoff<unknown>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly compliance: ComplianceClient,
    private readonly outcomes: SendOutcomes,
    private readonly metrics: DispatchMetrics,
    private readonly reconciler: Reconciler,
    private readonly carriers: Carriers,
    private readonly schedule: SendSchedule,
  ) {
    const c = runtime.config;
    this.limits = new SendRateLimits(runtime.db, runtime.logger, {
      senderPerSecond: c.SENDER_MESSAGES_PER_SECOND,
      campaignPerSecond: c.CAMPAIGN_MESSAGES_PER_SECOND,
      brandDailyCap: c.BRAND_DAILY_CAP,
    });
    this.backoff = new ExponentialBackoff({
      initialDelay: c.SEND_RETRY_INITIAL_MS,
      maxDelay: c.SEND_RETRY_MAX_MS,
    });
  }

  /** A claimed send: pending ones are sent, unknown ones reconciled with the carrier's record. */
  handle(row: ClaimedSend): Promise<void> {
    const reconciling = row.state === 'unknown';
    return inSpan(
      reconciling ? 'sms.reconcile' : 'sms.send',
      {
        service: 'sms-dispatch',
        parent: row.traceparent,
        attributes: { 'textback.sms.purpose': row.purpose },
      },
      () => (reconciling ? this.reconciler.reconcile(row) : this.send(row)),
    );
  }

  private async send(row: ClaimedSend): Promise<void> {
    if (!row.locationId) return this.sendToStaff(row);
    const t0 = performance.now();
    const location = await knownLocation(this.directory, row.locationId);
    // Its zone and caps unknown: wait for the profile rather than send without them.
    if (!location)
      return this.later(row, this.retryDelay(row.attempts), 'location not in the directory yet');
    const now = this.runtime.clock.now();
    const hold = decideSendHold({
      purpose: row.purpose,
      to: row.toNumber,
      requestedAt: row.requestedAt,
      location,
      // Read with the claim: the texts to this number in the day before it.
      acceptedInLastDay: row.acceptedInLastDay,
      now,
    });
    if (hold.kind === 'stop') return this.finish(row, 'suppressed', hold.reason);
    // Deferred, never dropped: quiet hours and caps end at a known time.
    if (hold.kind === 'defer') return this.schedule.pendingAt(row, hold.until, hold.reason);
    const t1 = performance.now();
    const held = await this.limits.take(
      {
        from: row.fromNumber,
        tenantId: row.tenantId,
        campaignId: location.campaignId,
        brandDailyCap: location.brandDailyCap,
        timezone: location.timezone,
      },
      now,
    );
    if (held)
      return this.later(
        row,
        held.waitMs,
        held.layer === 'brand-day'
          ? "brand's daily cap reached: held until the next local day"
          : `rate limit (${held.layer})`,
      );
    const t2 = performance.now();
    // Consent is checked again at the last moment: a STOP may have arrived since the decision.
    let stopped: boolean;
    try {
      stopped = await this.consentStops(row);
    } catch (err) {
      if (!(err instanceof SmsDispatchError && err.code === 'consent-unavailable')) throw err;
      // Fail closed: no answer from compliance, no text; ask again after a backoff.
      this.metrics.consentUnavailable.inc();
      return this.later(row, this.retryDelay(row.attempts), err.message);
    }
    if (stopped) return this.finish(row, 'suppressed', 'opted out before the send');
    if (this.tooOldToCall(row)) return this.later(row, 0, CLAIM_TOO_OLD);
    const t3 = performance.now();
    const result = await this.callCarrier(row);
    const t4 = performance.now();
    await this.settle(row, result);
    const t5 = performance.now();
    this.metrics.stages.observe({ stage: 'rate-limit' }, (t2 - t1) / 1000);
    this.metrics.stages.observe({ stage: 'consent' }, (t3 - t2 + (t1 - t0)) / 1000);
    this.metrics.stages.observe({ stage: 'carrier' }, (t4 - t3) / 1000);
    this.metrics.stages.observe({ stage: 'record' }, (t5 - t4) / 1000);
  }

  /**
   * To staff (a sign-in link, an inbox alert), from the platform's number: no location's quiet
   * hours; the person's consent at the last moment (a STOP to that number ends it); a daily cap.
   */
  private async sendToStaff(row: OutboundSmsRow): Promise<void> {
    if (await staffConsent.stopped(this.runtime.db, row.toNumber))
      return this.finish(row, 'suppressed', 'the person texted STOP to the platform number');
    const held = await this.limits.takeStaff(
      row.fromNumber,
      row.tenantId,
      this.runtime.clock.now(),
    );
    if (held) return this.later(row, held.waitMs, `staff texts: rate limit (${held.layer})`);
    if (this.tooOldToCall(row)) return this.later(row, 0, CLAIM_TOO_OLD);
    await this.settle(row, await this.callCarrier(row));
  }

  /** HELP and the opt-out confirmation are answered whatever the state (CTIA); the rest needs consent. */
  private async consentStops(row: OutboundSmsRow): Promise<boolean> {
    if (row.purpose === 'help' || row.purpose === 'opt-out-confirmation') return false;
    return !(await this.compliance.mayText(row.tenantId, row.toNumber, row.fromNumber));
  }

  private tooOldToCall(row: OutboundSmsRow): boolean {
    const { clock, config } = this.runtime;
    return claimTooOldToCall(row.sendingStartedAt, clock.now(), config.PLIVO_TIMEOUT_MS);
  }

  private callCarrier(row: OutboundSmsRow): Promise<SendResult> {
    return inSpan(
      'plivo.message.create',
      {
        service: 'sms-dispatch',
        kind: SpanKind.CLIENT,
        attributes: { 'textback.sms.segments': row.segments },
      },
      async (span) => {
        const r = await this.carriers.for(row.locationId).send({
          from: row.fromNumber,
          to: row.toNumber,
          text: row.body ?? '',
          statusUrl: this.statusCallbackUrl(row.smsId),
        });
        span.setAttribute('textback.carrier.result', r.kind);
        this.metrics.carrierSends.inc({
          result: r.kind === 'refused' ? (r.retryable ? 'refused-retryable' : 'refused') : r.kind,
        });
        return r;
      },
    );
  }

  private async settle(row: OutboundSmsRow, result: SendResult): Promise<void> {
    switch (result.kind) {
      case 'accepted':
        return this.outcomes.record(row, { kind: 'accepted', messageUuid: result.messageUuid });
      case 'ambiguous':
        this.runtime.logger.warn(
          { smsId: row.smsId, reason: result.reason },
          'carrier answer ambiguous: waiting for its record, not resending',
        );
        return this.schedule.reschedule(
          row,
          'unknown',
          this.inMs(this.runtime.config.RECONCILE_AFTER_MS),
          result.reason,
        );
      case 'refused':
        if (result.retryable && row.attempts < this.runtime.config.SEND_MAX_ATTEMPTS)
          return this.schedule.reschedule(
            row,
            'pending',
            this.inMs(this.retryDelay(row.attempts)),
            result.reason,
          );
        return this.finish(
          row,
          'failed',
          `carrier refused: ${result.reason}`,
          result.status === undefined ? undefined : String(result.status),
        );
    }
  }

  statusCallbackUrl(smsId: string): string {
    const base = (this.runtime.config.PUBLIC_BASE_URL ?? this.runtime.listeningUrl ?? '').replace(
      /\/$/,
      '',
    );
    return `${base}/v1/plivo/sms/status?sendId=${smsId}`;
  }

  private finish(
    row: OutboundSmsRow,
    kind: 'failed' | 'suppressed',
    reason: string,
    errorCode?: string,
  ): Promise<void> {
    return this.outcomes.record(row, { kind, reason, errorCode });
  }

  /** Not now, and the attempt does not count: pending again after `delayMs`. */
  private later(row: OutboundSmsRow, delayMs: number, reason: string): Promise<void> {
    return this.schedule.pendingAt(row, this.inMs(delayMs), reason);
  }

  private inMs(ms: number): Date {
    return new Date(this.runtime.clock.now().getTime() + ms);
  }

  /** Exponential backoff by attempt number; cockatiel's default generator adds decorrelated jitter. */
  private retryDelay(attempt: number): number {
    let b = this.backoff.next();
    for (let i = 1; i < Math.min(attempt, 6); i++) b = b.next(undefined);
    return b.duration;
  }
}
