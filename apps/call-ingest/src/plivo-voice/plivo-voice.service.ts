import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Coalescer } from '@textback/coalescing';
import { dialXml, speakThenHangupXml, type CallParties } from '@textback/carrier-plivo';
import { maskPhone, type LocationProfile } from '@textback/contracts';
import {
  systemScope,
  webhookNonces,
  type SystemScope,
  type WebhookAcceptance,
} from '@textback/persistence';
import {
  every,
  RUNTIME,
  type PeriodicTask,
  type ServiceRuntime,
  type SignedPlivoHook,
} from '@textback/service-kit';
import { activeTraceparent, inSpan, SpanKind } from '@textback/telemetry';
import { LocationDirectory } from '@textback/tenancy';
import type { CallIngestConfig } from '../config';
import { CallIngestError } from '../errors';
import { AnswerWriter } from './answer-writer';
import { CallFinalizer } from './call-finalizer';
import { dialDecision } from './dial-decision';
import { plivoCallRepository as calls } from './plivo-call.repository';
import { VoiceWebhookApplier } from './voice-webhook-applier';
import {
  voiceWebhookQueue,
  type VoiceWebhookFields,
  type VoiceWebhookToQueue,
} from './voice-webhook-queue.repository';

export type { VoiceWebhookKind } from './plivo-call.repository';

/**
 * Plivo voice webhooks → one `call.ended.v1` per call. answer_url is answered from memory (the
 * location directory; its call is written right after, see AnswerWriter); every later
 * webhook is one durable insert with its nonce before the 200 (those arriving together share
 * one statement), applied to the call in batches
 * right after; the call is classified once the hangup and the Dial's verdict are in (or the
 * verdict is overdue).
 */
@Injectable()
export class PlivoVoiceService implements OnModuleInit, OnModuleDestroy {
  private tasks: PeriodicTask[] = [];
  /** Plivo's callbacks name a call, not a tenant: found by CallUUID across tenants. */
  private readonly carrierCalls: SystemScope;
  /** Callbacks arriving together are made durable together: one statement, many 200s. */
  private readonly queue: Coalescer<VoiceWebhookToQueue, WebhookAcceptance>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<CallIngestConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly finalizer: CallFinalizer,
    private readonly applier: VoiceWebhookApplier,
    private readonly answers: AnswerWriter,
  ) {
    this.carrierCalls = systemScope(
      'call-ingest: Plivo voice callbacks by their call id',
      runtime.logger,
    );
    this.queue = new Coalescer((group) =>
      voiceWebhookQueue.acceptEach(this.runtime.db, this.carrierCalls, group),
    );
  }

  onModuleInit(): void {
    const { config } = this.runtime;
    this.tasks = [
      every(this.runtime, 'purge-webhook-nonces', 600_000, () =>
        webhookNonces.forgetOlderThan(this.runtime.db, config.WEBHOOK_NONCE_WINDOW_HOURS),
      ),
      every(
        this.runtime,
        'finalize-overdue-calls',
        Math.max(100, Math.min(1_000, config.PLIVO_DIAL_ACTION_GRACE_MS / 2)),
        () => this.finalizeOverdue(),
      ),
    ];
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.stop()));
  }

  /** The URL Plivo should call for one of our routes, with its retry fragment. */
  callbackUrl(path: string): string {
    const base = (this.runtime.config.PUBLIC_BASE_URL ?? this.runtime.listeningUrl ?? '').replace(
      /\/$/,
      '',
    );
    return `${base}${path}#${this.runtime.config.PLIVO_CALLBACK_RETRY}`;
  }

  answer(hook: SignedPlivoHook<'answer'>): Promise<string> {
    // The call's trace starts here; every later webhook of the call continues it.
    return inSpan('plivo.voice.answer', { service: 'call-ingest', kind: SpanKind.SERVER }, () =>
      this.answerInSpan(hook),
    );
  }

  private async answerInSpan(hook: SignedPlivoHook<'answer'>): Promise<string> {
    const to = hook.to;
    const location = to ? this.directory.locationOfNumber(to) : undefined;
    if (!to || !location) {
      this.runtime.logger.warn({ to: maskPhone(to ?? '') }, 'call to a number no location owns');
      return speakThenHangupXml('Sorry, this number is not in service.');
    }
    const { dialed, screened } = dialDecision(location, this.runtime.clock.now());
    const fresh = this.answers.write({
      nonce: hook.nonce,
      callUuid: hook.callUuid,
      tenantId: location.tenantId,
      locationId: location.locationId,
      businessNumber: to,
      callerNumber: hook.from,
      dialed,
      screened,
      traceparent: activeTraceparent() ?? null,
      answeredAt: this.runtime.clock.now(),
    });
    if (!fresh)
      throw new CallIngestError(
        'replayed',
        'this request was already received (nonce seen before)',
      );
    return dialed ? this.dialXml(location) : this.closedXml(location);
  }

  async dialAction(hook: SignedPlivoHook<'dialAction'>): Promise<string> {
    await this.accept(hook.callUuid, '', hook.nonce, {
      ...partiesOf(hook),
      kind: 'dial-action',
      status: hook.dialStatus,
      bLegUuid: hook.bLegUuid,
      hangupCause: hook.hangupCause,
    });
    return speakThenHangupXml(
      hook.bridged ? undefined : "Sorry we couldn't take your call. We'll text you in a moment.",
    );
  }

  async dialEvent(hook: SignedPlivoHook<'dialEvent'>): Promise<void> {
    await this.accept(hook.callUuid, hook.event, hook.nonce, {
      ...partiesOf(hook),
      kind: 'dial-event',
      leg: hook.leg,
    });
  }

  async hangup(hook: SignedPlivoHook<'hangup'>): Promise<void> {
    if (hook.implausibleDuration !== undefined) {
      // The hangup itself is what matters (it ends the call); an impossible length is kept as unknown, not refused.
      this.runtime.logger.warn(
        { callUuid: hook.callUuid, duration: hook.implausibleDuration },
        'hangup Duration is not a plausible length; stored as unknown',
      );
    }
    await this.accept(hook.callUuid, '', hook.nonce, {
      ...partiesOf(hook),
      kind: 'hangup',
      cause: hook.hangupCause,
      source: hook.hangupSource,
      durationSeconds: hook.durationSeconds,
    });
  }

  /** Classifies calls whose Dial verdict is overdue (or whose hangup never came). */
  async finalizeOverdue(): Promise<number> {
    const due = await calls.overdue(
      this.runtime.db,
      this.carrierCalls,
      this.runtime.config.PLIVO_DIAL_ACTION_GRACE_MS,
    );
    for (const { callUuid, traceparent } of due) {
      await inSpan('call.finalize-overdue', { service: 'call-ingest', parent: traceparent }, () =>
        this.runtime.transaction((tx) =>
          this.finalizer.finalizeIfComplete(tx, [callUuid], { overdue: true }),
        ),
      );
    }
    return due.length;
  }

  /**
   * A webhook after answer_url is one durable insert before its 200 (its nonce and its row, a
   * retry of the same (CallUUID, kind, detail) changing nothing); the applier puts it onto the
   * call right after, in a batch. A reused nonce is a replay.
   */
  private async accept(
    callUuid: string,
    detail: string,
    nonce: string,
    fields: VoiceWebhookFields,
  ): Promise<void> {
    const accepted = await this.queue.submit({ nonce, callUuid, detail, fields });
    if (accepted === 'replayed')
      throw new CallIngestError(
        'replayed',
        'this request was already received (nonce seen before)',
      );
    if (accepted === 'accepted') this.applier.kick();
  }

  private dialXml(location: LocationProfile): string {
    return dialXml({
      actionUrl: this.callbackUrl('/v1/plivo/voice/dial-action'),
      callbackUrl: this.callbackUrl('/v1/plivo/voice/dial-events'),
      timeoutSeconds: location.ringTimeoutSeconds,
      forwardTo: location.forwardTo,
      confirmSoundUrl: location.screenCalls
        ? this.callbackUrl('/v1/plivo/voice/screen')
        : undefined,
    });
  }

  private closedXml(location: LocationProfile): string {
    return speakThenHangupXml(
      `Thanks for calling ${location.brandName}. We're closed right now; we'll text you shortly so we can help.`,
    );
  }
}

/** Kept with each callback: enough to rebuild the call if its answer was never written. */
function partiesOf(hook: CallParties): { from: string | null; to: string | null } {
  return { from: hook.from, to: hook.to ?? null };
}
