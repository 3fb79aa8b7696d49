import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { systemScope, type SystemScope, type Tx } from '@textback/persistence';
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import { inSpan } from '@textback/telemetry';
import type { CallIngestConfig } from '../config';
import { LocationDirectory } from '@textback/tenancy';
import { AnswerWriter } from './answer-writer';
import { CallFinalizer } from './call-finalizer';
import { dialDecision } from './dial-decision';
import { plivoCallRepository as calls } from './plivo-call.repository';
import { voiceWebhookQueue as queue, type PendingWebhook } from './voice-webhook-queue.repository';

/**
 * Applies acknowledged voice webhooks to their calls, oldest first, a batch per transaction:
 * each webhook's fields onto its call (at the time it was received), then each touched call is
 * classified if its hangup and the Dial's verdict are in. Woken after every accepted webhook;
 * the timer is the safety net (another replica's webhooks, a restart).
 */
@Injectable()
export class VoiceWebhookApplier implements OnModuleInit, OnModuleDestroy {
  private task: PeriodicTask | undefined;
  /** Callbacks were left for a later run: their answers were still being written. */
  private waitingForAnswers = false;
  private readonly carrierCalls: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<CallIngestConfig>,
    private readonly finalizer: CallFinalizer,
    private readonly answers: AnswerWriter,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {
    this.carrierCalls = systemScope(
      'call-ingest: applying Plivo voice callbacks by their call id',
      runtime.logger,
    );
  }

  onModuleInit(): void {
    this.answers.whenWritten(() => {
      if (this.waitingForAnswers) this.kick();
    });
    this.task = every(this.runtime, 'apply-voice-webhooks', 1_000, async () => {
      // A full batch means more may be waiting: run again at once.
      const applied = await this.applyBatch();
      return { nextDueInMs: applied >= BATCH ? 0 : undefined };
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.task?.stop();
  }

  /** A callback was acknowledged: apply it soon, with the others of that moment. */
  kick(): void {
    this.task?.kickWithin(this.runtime.config.VOICE_APPLY_DELAY_MS);
  }

  /** One batch; returns how many webhooks it applied. */
  async applyBatch(): Promise<number> {
    // Answers this replica gave and has not written yet go first: a call's callbacks then find
    // its row (a rebuild is for answers lost with a process, or given by another replica).
    await this.answers.flush();
    const waiting: string[] = [];
    const applied = await this.runtime.transaction(async (tx) => {
      const taken = await queue.pending(tx, this.carrierCalls, BATCH);
      if (taken.length === 0) return 0;
      // An answer given here just after the flush above is still on its way: its callbacks wait
      // for it (applied after its write) — for a while; then the call is rebuilt without it.
      // Asked before the calls are read: an answer written in between is then found.
      const now = this.runtime.clock.now().getTime();
      const held = new Set(taken.map((h) => h.callUuid).filter((c) => this.answers.holds(c)));
      const traces = await calls.tracesOf(tx, this.carrierCalls, [
        ...new Set(taken.map((h) => h.callUuid)),
      ]);
      const waits = (h: PendingWebhook) =>
        !traces.has(h.callUuid) &&
        held.has(h.callUuid) &&
        now - h.receivedAt.getTime() < ANSWER_WAIT_MS;
      const hooks = taken.filter((h) => !waits(h));
      waiting.push(...taken.filter(waits).map((h) => h.callUuid));
      const callUuids = [...new Set(hooks.map((h) => h.callUuid))];
      for (const callUuid of callUuids) {
        if (traces.has(callUuid)) continue;
        const of = hooks.filter((h) => h.callUuid === callUuid);
        if (await this.rebuild(tx, callUuid, of)) traces.set(callUuid, null);
      }
      for (const hook of hooks) {
        await inSpan(
          `plivo.voice.${hook.fields.kind}`,
          { service: 'call-ingest', parent: traces.get(hook.callUuid) ?? null },
          () => this.apply(tx, hook),
        );
      }
      // A call answer_url did not record has nothing to classify.
      await this.finalizer.finalizeIfComplete(
        tx,
        callUuids.filter((c) => traces.has(c)),
        { traces },
      );
      await queue.markApplied(
        tx,
        this.carrierCalls,
        hooks.map((h) => h.seq),
      );
      return hooks.length;
    });
    if (waiting.length > 0) {
      // Run again once their answers are written (now, if they already are).
      this.waitingForAnswers = true;
      if (!waiting.some((c) => this.answers.holds(c))) this.kick();
    } else this.waitingForAnswers = false;
    return applied;
  }

  /**
   * A call with callbacks but no row: its answer was never written (the process died between
   * answering and writing). Its callbacks carry the number called and the caller; a Dial action
   * or Dial event means the call was forwarded, otherwise the answer_url rule decides as it
   * did, at the time the call began. Unknown number: nothing to rebuild (nor to text).
   */
  private async rebuild(tx: Tx, callUuid: string, hooks: PendingWebhook[]): Promise<boolean> {
    const first = hooks.find((h) => h.fields.to);
    const to = first?.fields.to;
    const location = to ? this.directory.locationOfNumber(to) : undefined;
    if (!first || !to || !location) return false;
    const hangup = hooks.find((h) => h.fields.kind === 'hangup');
    const duration = hangup?.fields.kind === 'hangup' ? (hangup.fields.durationSeconds ?? 0) : 0;
    const answeredAt = new Date((hangup ?? first).receivedAt.getTime() - duration * 1000);
    const forwarded = hooks.some((h) => h.fields.kind !== 'hangup');
    const decided = dialDecision(location, answeredAt);
    await calls.rebuild(tx, this.carrierCalls, {
      callUuid,
      tenantId: location.tenantId,
      locationId: location.locationId,
      businessNumber: to,
      callerNumber: first.fields.from ?? null,
      dialed: forwarded || decided.dialed,
      screened: forwarded ? location.screenCalls : decided.screened,
      traceparent: null,
      answeredAt,
    });
    this.runtime.logger.warn(
      { callUuid },
      'call rebuilt from its callbacks (its answer was never written)',
    );
    return true;
  }

  private async apply(tx: Tx, hook: PendingWebhook): Promise<void> {
    const f = hook.fields;
    if (f.kind === 'dial-action')
      await calls.recordDialAction(tx, this.carrierCalls, hook.callUuid, f, hook.receivedAt);
    else if (f.kind === 'hangup')
      await calls.recordHangup(tx, this.carrierCalls, hook.callUuid, f, hook.receivedAt);
    else if (f.leg !== 'other') await calls.recordBLeg(tx, this.carrierCalls, hook.callUuid, f.leg);
  }
}

const BATCH = 200;
/** How long callbacks wait for their call's answer to be written before it is rebuilt. */
const ANSWER_WAIT_MS = 30_000;
