import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  maskPhone,
  type E164,
  type EventEnvelope,
  type LocationId,
  type LocationProfile,
  type TenantId,
} from '@textback/contracts';
import { countSegments, renderTextback, type RenderedText } from '@textback/domain';
import { handleOnce, scopeOf, type Tx } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { activeTraceparent } from '@textback/telemetry';
import { LocationDirectory } from '@textback/tenancy';
import type { SmsDispatchConfig } from '../config';
import { SmsDispatchError } from '../errors';
import { knownLocation } from './locations';
import { outboundSmsRepository as sends } from './outbound-sms.repository';
import { SendSchedule } from './send-schedule';

/**
 * Records each requested text exactly once: a text-back (unique per location + call) or a reply
 * (unique per request id), written when the request is consumed; the send worker sends it.
 */
@Injectable()
export class DispatchService {
  private readonly rendered = new Map<string, RenderedText>();

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly wakeups: SendSchedule,
  ) {}

  /** Records the send for a requested text-back; a redelivered request finds it and does nothing. */
  async enqueue(event: EventEnvelope<'textback.requested.v1'>): Promise<void> {
    const r = event.payload;
    const location = await this.checkedLocation(r);
    const text = this.textFor(location);
    await handleOnce(this.runtime.db, 'sms-dispatch.textback-requested', event.metadata.id, (tx) =>
      sends.insertTextback(this.wakingWorker(tx, new Date(r.sendAfter)), scopeOf(event), {
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
  }

  /** A HELP reply, an opt-out confirmation, an operator reply or a follow-up: one send per request id. */
  async enqueueReply(event: EventEnvelope<'sms.reply-requested.v1'>): Promise<void> {
    const r = event.payload;
    await this.checkedLocation(r);
    const text = countSegments(r.text);
    await handleOnce(this.runtime.db, 'sms-dispatch.reply-requested', event.metadata.id, (tx) =>
      sends.insertReply(this.wakingWorker(tx, this.runtime.clock.now()), scopeOf(event), {
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
        dueAt: this.runtime.clock.now(),
      }),
    );
  }

  /** A sign-in link to staff: from the platform's own number, one send per request id. */
  async enqueueStaffText(event: EventEnvelope<'staff-text.requested.v1'>): Promise<void> {
    const r = event.payload;
    const from = this.runtime.config.PLATFORM_SENDER_NUMBER;
    if (!from)
      throw new SmsDispatchError(
        'not-configured',
        'PLATFORM_SENDER_NUMBER is unset: texts to staff cannot be sent',
      );
    const text = countSegments(r.text);
    await handleOnce(
      this.runtime.db,
      'sms-dispatch.staff-text-requested',
      event.metadata.id,
      (tx) =>
        sends.insertReply(this.wakingWorker(tx, this.runtime.clock.now()), scopeOf(event), {
          smsId: randomUUID(),
          locationId: null,
          requestId: r.textId,
          from,
          to: r.to,
          body: r.text,
          segments: text.segments,
          encoding: text.encoding,
          purpose: 'staff',
          requestedAt: r.requestedAt,
          traceparent: activeTraceparent() ?? null,
          dueAt: this.runtime.clock.now(),
        }),
    );
  }

  /**
   * The worker is woken when the send falls due, and not before it is committed (after the
   * consumer's whole batch): woken earlier it would not see the row yet.
   */
  private wakingWorker(tx: Tx, dueAt: Date): Tx {
    tx.afterCommit(() => this.wakeups.dueAt(dueAt));
    return tx;
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
    const location = await knownLocation(this.directory, r.locationId);
    if (!location)
      throw new SmsDispatchError(
        'location-unknown',
        `location ${r.locationId} is not in the directory yet`,
        true,
      );
    if (location.tenantId !== r.tenantId)
      throw new SmsDispatchError(
        'location-mismatch',
        `location ${r.locationId} belongs to tenant ${location.tenantId}, not ${r.tenantId}`,
      );
    if (!location.businessNumbers.includes(r.from))
      throw new SmsDispatchError(
        'location-mismatch',
        `sender ${maskPhone(r.from)} is not a business number of location ${r.locationId}`,
      );
    return location;
  }

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
}
