import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ExponentialBackoff } from 'cockatiel';
import { Counter, Histogram } from 'prom-client';
import { PlivoMessaging, type SendResult } from '@textback/carrier-plivo';
import {
  maskPhone,
  type E164,
  type EventEnvelope,
  type LocationId,
  type LocationProfile,
  type TenantId,
} from '@textback/contracts';
import {
  applicableRule,
  countSegments,
  frequencyCapDeferral,
  nextAllowedTime,
  recipientOf,
  renderTextback,
  type RenderedText,
} from '@textback/domain';
import {
  addToOutbox,
  handleOnce,
  scopeOf,
  systemScope,
  type SystemScope,
  type Tx,
} from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { activeTraceparent, inSpan, SpanKind } from '@textback/telemetry';
import { LocationDirectory } from '@textback/tenancy';
import type { SmsDispatchConfig } from '../config';
import { SmsDispatchError } from '../errors';
import { ComplianceClient } from './compliance.client';
import {
  outboundSmsRepository as sends,
  scopeOfSend,
  type OutboundSmsRow,
} from './outbound-sms.repository';
import { SendRateLimits } from './send-rate-limits';

export type { OutboundSmsRow };

/** An opt-out may be confirmed by one text within 5 minutes (compliance.md), not later. */
const OPT_OUT_CONFIRMATION_WINDOW_MS = 5 * 60_000;

/**
 * Sends each requested text-back exactly once. The send record (unique per location + call) is
 * written when the request is consumed; a worker sends due records. A definite refusal is
 * retried with backoff; an ambiguous answer (timeout, reset, 5xx) is never resent blindly: the
 * send waits for its delivery report or the carrier's message record to settle it.
 */
@Injectable()
export class DispatchService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly carrier: PlivoMessaging;
  private readonly limits: SendRateLimits;
  private readonly backoff: ExponentialBackoff<unknown>;
  private readonly outcomes: Counter<'result'>;
  private readonly stages: Histogram<'stage'>;
  private readonly consentUnavailable: Counter;
  private readonly texts: Counter<'outcome' | 'purpose'>;
  private readonly timeToText: Histogram;
  private timer: NodeJS.Timeout | undefined;
  private working: Promise<void> | undefined;
  /** The worker claims due sends of every tenant; each is then handled in its own tenant's scope. */
  private readonly everyTenant: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly compliance: ComplianceClient,
  ) {
    const c = runtime.config;
    this.everyTenant = systemScope(
      'sms-dispatch: the send worker claims due sends',
      runtime.logger,
    );
    this.carrier = new PlivoMessaging({
      authId: c.PLIVO_AUTH_ID,
      authToken: c.PLIVO_AUTH_TOKEN,
      apiUrl: c.PLIVO_API_URL,
      lookupUrl: c.PLIVO_LOOKUP_URL,
      timeoutMs: c.PLIVO_TIMEOUT_MS,
    });
    this.limits = new SendRateLimits(runtime.db.pool, c.DATABASE_SCHEMA ?? 'sms_dispatch', {
      senderPerSecond: c.SENDER_MESSAGES_PER_SECOND,
      campaignPerSecond: c.CAMPAIGN_MESSAGES_PER_SECOND,
      brandDailyCap: c.BRAND_DAILY_CAP,
    });
    this.backoff = new ExponentialBackoff({
      initialDelay: c.SEND_RETRY_INITIAL_MS,
      maxDelay: c.SEND_RETRY_MAX_MS,
    });
    this.outcomes = new Counter({
      name: 'sms_dispatch_carrier_sends_total',
      help: 'Carrier send attempts by result (accepted, refused-retryable, refused, ambiguous).',
      labelNames: ['result'],
      registers: [runtime.registry],
    });
    this.texts = new Counter({
      name: 'sms_dispatch_texts_total',
      help: 'Texts by outcome (sent = accepted by the carrier, delivered, failed, suppressed) and purpose',
      labelNames: ['outcome', 'purpose'],
      registers: [runtime.registry],
    });
    this.timeToText = new Histogram({
      name: 'sms_dispatch_time_to_text_seconds',
      help: 'From the end of a missed call to the carrier accepting its text-back',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
      registers: [runtime.registry],
    });
    this.consentUnavailable = new Counter({
      name: 'sms_dispatch_consent_unavailable_total',
      help: 'Sends held back because compliance did not answer the consent check (retried later).',
      registers: [runtime.registry],
    });
    this.stages = new Histogram({
      name: 'sms_dispatch_send_stage_seconds',
      help: 'Time a send spends in each stage: consent re-check, rate limits, the carrier call, recording the result.',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [runtime.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.runtime.config.DISPATCH_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.working;
  }

  /** Runs one pass now (and is what the timer calls); passes never overlap. */
  kick(): void {
    this.working ??= this.work()
      .catch((err: unknown) =>
        this.runtime.logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'dispatch pass failed',
        ),
      )
      .finally(() => (this.working = undefined));
  }

  statusCallbackUrl(smsId: string): string {
    const base = (this.runtime.config.PUBLIC_BASE_URL ?? this.runtime.listeningUrl ?? '').replace(
      /\/$/,
      '',
    );
    return `${base}/v1/plivo/sms/status?sendId=${smsId}`;
  }

  /** Records the send for a requested text-back; a redelivered request finds it and does nothing. */
  async enqueue(event: EventEnvelope<'textback.requested.v1'>): Promise<void> {
    const r = event.payload;
    const location = await this.checkedLocation(r);
    const text = this.textFor(location);
    await handleOnce(this.runtime.db, 'sms-dispatch.textback-requested', event.metadata.id, (tx) =>
      sends.insertTextback(tx, scopeOf(event), {
        smsId: randomUUID(),
        textbackId: r.textbackId,
        locationId: r.locationId,
        callId: r.callId,
        from: r.from,
        to: r.to,
        body: text.body,
        segments: text.segments,
        encoding: text.encoding,
        dueAt: r.sendAfter,
        traceparent: activeTraceparent() ?? null,
        callEndedAt: r.callEndedAt,
      }),
    );
    this.kick();
  }

  /** A HELP reply, an opt-out confirmation, an operator reply or a follow-up: one send per request id. */
  async enqueueReply(event: EventEnvelope<'sms.reply-requested.v1'>): Promise<void> {
    const r = event.payload;
    await this.checkedLocation(r);
    const text = countSegments(r.text);
    await handleOnce(this.runtime.db, 'sms-dispatch.reply-requested', event.metadata.id, (tx) =>
      sends.insertReply(tx, scopeOf(event), {
        smsId: randomUUID(),
        locationId: r.locationId,
        requestId: r.replyId,
        from: r.from,
        to: r.to,
        body: r.text,
        segments: text.segments,
        encoding: text.encoding,
        purpose: r.purpose,
        requestedAt: r.requestedAt,
        traceparent: activeTraceparent() ?? null,
      }),
    );
    this.kick();
  }

  /** Why this send must wait or must not go, before any consent is asked; undefined = go on. */
  private async holdOrStop(
    row: OutboundSmsRow,
    location: LocationProfile,
  ): Promise<{ stop: string } | { deferUntil: Date } | undefined> {
    if (row.purpose === 'opt-out-confirmation') {
      const requested = row.requestedAt?.getTime() ?? 0;
      return Date.now() - requested > OPT_OUT_CONFIRMATION_WINDOW_MS
        ? { stop: 'opt-out confirmation window (5 minutes) passed' }
        : undefined;
    }
    const quiet =
      row.purpose === 'follow-up' ||
      (row.purpose === 'textback' && location.quietHoursApplyToTextback === true);
    if (quiet) {
      const recipient = recipientOf(row.toNumber, location.timezone);
      const rule = applicableRule(
        recipient,
        location.quietHours ? { name: 'tenant', ...location.quietHours } : undefined,
      );
      const next = nextAllowedTime(new Date(), recipient, rule);
      if (next.getTime() > Date.now()) return { deferUntil: next };
      if (rule.maxPer24h !== undefined) {
        const recent = await sends.acceptedInLastDay(
          this.runtime.db,
          scopeOfSend(row),
          row.toNumber,
        );
        const capped = frequencyCapDeferral(recent, rule, new Date());
        if (capped) return { deferUntil: nextAllowedTime(capped, recipient, rule) };
      }
    }
    return undefined;
  }

  /**
   * Consent, asked of compliance as the last step before the carrier call, so a STOP recorded
   * before this question stops the send (docs/decisions/0001-stop-recorded-before-acknowledged.md). HELP and the opt-out confirmation
   * are answered whatever the state (CTIA); everything else needs consent.
   */
  private async consentStops(row: OutboundSmsRow): Promise<boolean> {
    if (row.purpose === 'help' || row.purpose === 'opt-out-confirmation') return false;
    return !(await this.compliance.mayText(row.tenantId, row.toNumber, row.fromNumber));
  }

  private readonly rendered = new Map<string, RenderedText>();

  /** The rendered text of a location's template, once per profile version (segment counting is not cheap). */
  private textFor(location: LocationProfile): RenderedText {
    const key = `${location.locationId}:${location.version}`;
    let text = this.rendered.get(key);
    if (!text) {
      text = renderTextback(location);
      if (this.rendered.size > 10_000) this.rendered.clear();
      this.rendered.set(key, text);
    }
    return text;
  }

  private async work(): Promise<void> {
    const db = this.runtime.db;
    // A send caught mid-call by a crash may or may not have reached the carrier: settle, never resend.
    await sends.markStaleSendingUnknown(
      db,
      this.everyTenant,
      this.runtime.config.PLIVO_TIMEOUT_MS * 2,
    );
    for (;;) {
      const rows = await sends.claimDue(db, this.everyTenant, 10);
      if (rows.length === 0) return;
      await Promise.all(
        rows.map((row) =>
          inSpan(
            row.state === 'unknown' ? 'sms.reconcile' : 'sms.send',
            {
              service: 'sms-dispatch',
              parent: row.traceparent,
              attributes: { 'textback.sms.purpose': row.purpose },
            },
            () => (row.state === 'unknown' ? this.reconcile(row) : this.send(row)),
          ),
        ),
      );
    }
  }

  private async send(row: OutboundSmsRow): Promise<void> {
    const t0 = performance.now();
    const location = await this.knownLocation(row.locationId);
    if (!location) {
      // Its zone and caps are unknown: wait for the profile rather than send without them.
      await this.backToPending(row, {
        delayMs: this.retryDelay(Math.min(row.attempts, 6)),
        reason: 'location not in the directory yet',
      });
      return;
    }
    const hold = await this.holdOrStop(row, location);
    if (hold && 'stop' in hold)
      return this.finish(row, 'suppressed', { reason: hold.stop, errorCode: undefined });
    if (hold) {
      // Deferred, never dropped: quiet hours end at a known time.
      await this.backToPending(row, { at: hold.deferUntil, reason: 'quiet hours' });
      return;
    }
    const t1 = performance.now();
    const held = await this.limits.take({
      from: row.fromNumber,
      tenantId: row.tenantId,
      campaignId: location.campaignId,
      brandDailyCap: location.brandDailyCap,
      timezone: location.timezone,
    });
    if (held) {
      await this.backToPending(row, {
        delayMs: held.waitMs,
        reason:
          held.layer === 'brand-day'
            ? "brand's daily cap reached: held until the next local day"
            : `rate limit (${held.layer})`,
      });
      return;
    }
    const t2 = performance.now();
    // Consent is checked again at the last moment: a STOP may have arrived since the decision.
    let stopped: boolean;
    try {
      stopped = await this.consentStops(row);
    } catch (err) {
      if (!(err instanceof SmsDispatchError && err.code === 'consent-unavailable')) throw err;
      // Fail closed: no answer from compliance, no text; ask again after a backoff.
      this.consentUnavailable.inc();
      await this.backToPending(row, {
        delayMs: this.retryDelay(Math.min(row.attempts, 6)),
        reason: err.message,
      });
      return;
    }
    if (stopped)
      return this.finish(row, 'suppressed', {
        reason: 'opted out before the send',
        errorCode: undefined,
      });
    const t3 = performance.now();
    const result = await inSpan(
      'plivo.message.create',
      {
        service: 'sms-dispatch',
        kind: SpanKind.CLIENT,
        attributes: { 'textback.sms.segments': row.segments },
      },
      async (span) => {
        const r = await this.carrier.send({
          from: row.fromNumber,
          to: row.toNumber,
          text: row.body ?? '',
          statusUrl: this.statusCallbackUrl(row.smsId),
        });
        span.setAttribute('textback.carrier.result', r.kind);
        return r;
      },
    );
    this.outcomes.inc({
      result:
        result.kind === 'refused'
          ? result.retryable
            ? 'refused-retryable'
            : 'refused'
          : result.kind,
    });
    const t4 = performance.now();
    await this.settle(row, result);
    const t5 = performance.now();
    this.stages.observe({ stage: 'rate-limit' }, (t2 - t1) / 1000);
    this.stages.observe({ stage: 'consent' }, (t3 - t2 + (t1 - t0)) / 1000);
    this.stages.observe({ stage: 'carrier' }, (t4 - t3) / 1000);
    this.stages.observe({ stage: 'record' }, (t5 - t4) / 1000);
  }

  /** Not now: back to pending (the attempt does not count), due after a delay or at a time. */
  private async backToPending(
    row: OutboundSmsRow,
    when: { delayMs?: number; at?: Date; reason: string },
  ): Promise<void> {
    await sends.backToPending(this.runtime.db, scopeOfSend(row), row.smsId, when);
  }

  /** The send's location; a directory behind the gateway is reloaded once before giving up for now. */
  private async knownLocation(locationId: string): Promise<LocationProfile | undefined> {
    const known = this.directory.location(locationId);
    if (known) return known;
    await this.directory.reload();
    return this.directory.location(locationId);
  }

  /**
   * A request must name a location we know, its tenant and one of its business numbers as the
   * sender (item 1 of the hostile-input review): otherwise it could send in another tenant's
   * name. Unknown yet: retry; disagreeing: refuse for good (dead letter with the reason).
   */
  private async checkedLocation(r: {
    tenantId: TenantId;
    locationId: LocationId;
    from: E164;
  }): Promise<LocationProfile> {
    const location = await this.knownLocation(r.locationId);
    if (!location)
      throw new SmsDispatchError(
        'location-unknown',
        `location ${r.locationId} is not in the directory yet`,
        true,
      );
    if (location.tenantId !== r.tenantId) {
      throw new SmsDispatchError(
        'location-mismatch',
        `location ${r.locationId} belongs to tenant ${location.tenantId}, not ${r.tenantId}`,
      );
    }
    if (!location.businessNumbers.includes(r.from)) {
      throw new SmsDispatchError(
        'location-mismatch',
        `sender ${maskPhone(r.from)} is not a business number of location ${r.locationId}`,
      );
    }
    return location;
  }

  private async settle(row: OutboundSmsRow, result: SendResult): Promise<void> {
    const db = this.runtime.db;
    switch (result.kind) {
      case 'accepted':
        return this.accept(row, result.messageUuid);
      case 'ambiguous':
        this.runtime.logger.warn(
          { smsId: row.smsId, reason: result.reason },
          'carrier answer ambiguous: waiting for its record, not resending',
        );
        await sends.markAmbiguous(
          db,
          scopeOfSend(row),
          row.smsId,
          result.reason,
          this.runtime.config.RECONCILE_AFTER_MS,
        );
        return;
      case 'refused':
        if (result.retryable && row.attempts < this.runtime.config.SEND_MAX_ATTEMPTS) {
          const delay = this.retryDelay(row.attempts);
          await sends.retryAfter(db, scopeOfSend(row), row.smsId, result.reason, delay);
          return;
        }
        return this.finish(row, 'failed', {
          reason: `carrier refused: ${result.reason}`,
          errorCode: result.status === undefined ? undefined : String(result.status),
        });
    }
  }

  /** Exponential backoff by attempt number; cockatiel's default generator adds decorrelated jitter. */
  private retryDelay(attempt: number): number {
    let b = this.backoff.next();
    for (let i = 1; i < attempt; i++) b = b.next(undefined);
    return b.duration;
  }

  /** An ambiguous send: did the carrier queue it? Its record says; absent, it is safe to send. */
  private async reconcile(row: OutboundSmsRow): Promise<void> {
    const since = new Date((row.sendingStartedAt ?? new Date()).getTime() - 5_000);
    let found;
    try {
      found = await this.carrier.outboundSince(since, { from: row.fromNumber, to: row.toNumber });
    } catch (err) {
      this.runtime.logger.warn(
        { smsId: row.smsId, err: String(err) },
        'carrier record unavailable; will check again',
      );
      await sends.recheckLater(this.runtime.db, scopeOfSend(row), row.smsId);
      return;
    }
    const mine = found
      .filter((m) => m.time.getTime() >= since.getTime())
      .sort((a, b) => a.time.getTime() - b.time.getTime())[0];
    if (mine) {
      this.runtime.logger.info(
        { smsId: row.smsId, state: mine.state },
        'ambiguous send found in the carrier record: accepted',
      );
      await this.accept(row, mine.messageUuid);
      // Its delivery reports may have been lost while we were down: the record has the outcome.
      if (mine.state === 'delivered') await this.deliver(row, mine.messageUuid);
      else if (['failed', 'undelivered', 'rejected'].includes(mine.state)) {
        await this.finish(row, 'failed', {
          reason: `carrier reported ${mine.state}`,
          errorCode: mine.errorCode,
        });
      }
      return;
    }
    this.runtime.logger.info(
      { smsId: row.smsId, to: maskPhone(row.toNumber) },
      'ambiguous send not in the carrier record: sending again',
    );
    await sends.resendUnknown(this.runtime.db, scopeOfSend(row), row.smsId);
  }

  /** The carrier has the message: record its id and say it was sent (once). */
  async accept(row: SendRef, messageUuid: string, tx?: Tx): Promise<void> {
    await this.inTransaction(tx, async (t) => {
      const sent = await sends.markAccepted(
        t,
        scopeOfSend(row),
        row.smsId,
        messageUuid,
        activeTraceparent() ?? null,
      );
      if (!sent) return;
      this.texts.inc({ outcome: 'sent', purpose: sent.purpose });
      if (sent.purpose === 'textback' && sent.callEndedAt)
        this.timeToText.observe((Date.now() - sent.callEndedAt.getTime()) / 1000);
      await addToOutbox(t, 'sms.sent.v1', {
        ...this.smsFields(sent),
        carrierMessageId: messageUuid,
        segments: sent.segments,
        encoding: sent.encoding,
        ...(sent.body ? { text: sent.body } : {}),
        purpose: sent.purpose,
        sourceId: sent.callId,
        at: new Date().toISOString(),
      });
    });
  }

  /** The carrier delivered the text: say so (once). */
  async deliver(row: SendRef, messageUuid: string, tx?: Tx): Promise<void> {
    await this.inTransaction(tx, async (t) => {
      const done = await sends.markDelivered(t, scopeOfSend(row), row.smsId);
      if (!done) return;
      this.texts.inc({ outcome: 'delivered', purpose: done.purpose });
      await addToOutbox(t, 'sms.delivered.v1', {
        ...this.smsFields(done),
        carrierMessageId: messageUuid,
        at: new Date().toISOString(),
      });
    });
  }

  async finish(
    row: SendRef,
    state: 'failed' | 'suppressed',
    why: { reason: string; errorCode: string | undefined },
    tx?: Tx,
  ): Promise<void> {
    await this.inTransaction(tx, async (t) => {
      const done = await sends.markFinished(t, scopeOfSend(row), row.smsId, state, why);
      if (!done) return;
      this.texts.inc({ outcome: state, purpose: done.purpose });
      await addToOutbox(t, 'sms.failed.v1', {
        ...this.smsFields(done),
        ...(done.carrierMessageId ? { carrierMessageId: done.carrierMessageId } : {}),
        ...(why.errorCode ? { errorCode: why.errorCode } : {}),
        reason: why.reason.slice(0, 200),
        sourceId: done.callId,
        at: new Date().toISOString(),
      });
    });
  }

  /** In the caller's transaction when there is one, else in a new one. */
  private async inTransaction(tx: Tx | undefined, work: (tx: Tx) => Promise<void>): Promise<void> {
    if (tx) await work(tx);
    else await this.runtime.transaction(work);
  }

  smsFields(row: OutboundSmsRow) {
    return {
      smsId: row.smsId,
      tenantId: row.tenantId,
      locationId: row.locationId,
      from: row.fromNumber,
      to: row.toNumber,
      ...(row.textbackId ? { textbackId: row.textbackId } : {}),
    };
  }
}

/** What settling a send needs of it: its id and its scope. */
type SendRef = Pick<OutboundSmsRow, 'smsId' | 'tenantId' | 'locationId'>;
