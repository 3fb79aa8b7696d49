import { Inject, Injectable } from '@nestjs/common';
import { classifyPlivoCall } from '@textback/domain';
import { addToOutbox, systemScope, type SystemScope, type Tx } from '@textback/persistence';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { inSpan } from '@textback/telemetry';
import { plivoCallRepository as calls, type PlivoCallRow } from './plivo-call.repository';

/**
 * Classifies a Plivo call once its hangup and the Dial's verdict are in (or the verdict is
 * overdue), and publishes `call.ended.v1` with it in the same transaction, once per call.
 */
@Injectable()
export class CallFinalizer {
  /** Plivo's callbacks name a call, not a tenant: found by CallUUID across tenants. */
  private readonly carrierCalls: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.carrierCalls = systemScope(
      'call-ingest: classifying Plivo calls by their call id',
      runtime.logger,
    );
  }

  /**
   * Classifies those of `callUuids` that are complete (all of them when `overdue`): the calls
   * locked and marked in one statement each, each call's classification in its own span.
   */
  async finalizeIfComplete(
    tx: Tx,
    callUuids: readonly string[],
    options: { overdue?: boolean; traces?: ReadonlyMap<string, string | null> } = {},
  ): Promise<void> {
    const classified: { callUuid: string; outcome: string }[] = [];
    for (const call of await calls.lockForFinalizing(tx, this.carrierCalls, callUuids)) {
      const verdictIn = !call.dialed || call.dialActionAt !== null || call.bLegConnected;
      if (!options.overdue && !(call.hangupAt && verdictIn)) continue;
      await inSpan(
        'call.classify',
        { service: 'call-ingest', parent: options.traces?.get(call.callUuid) ?? null },
        async () =>
          classified.push({ callUuid: call.callUuid, outcome: await this.classify(tx, call) }),
      );
    }
    await calls.markFinalized(tx, this.carrierCalls, classified);
  }

  private async classify(tx: Tx, call: PlivoCallRow): Promise<string> {
    const callUuid = call.callUuid;
    const outcome = classifyPlivoCall({
      dialed: call.dialed,
      screened: call.screened,
      bLegAnswered: call.bLegAnswered,
      bLegConnected: call.bLegConnected,
      ...(call.dialStatus ? { dialStatus: call.dialStatus } : {}),
      ...(call.dialBLegUuid ? { dialBLegUuid: call.dialBLegUuid } : {}),
      ...(call.dialHangupCause ? { dialHangupCause: call.dialHangupCause } : {}),
      ...(call.hangupCause ? { hangupCause: call.hangupCause } : {}),
      ...(call.hangupSource ? { hangupSource: call.hangupSource } : {}),
    });
    counterOf(
      this.runtime.registry,
      'call_ingest_calls_ended_total',
      'Calls to business numbers by how they ended (the top of the funnel)',
      ['outcome'],
    ).inc({ outcome });
    if (!call.callerNumber) {
      this.runtime.logger.info(
        { callUuid, outcome },
        'call ended without a caller id: nobody to text',
      );
      return outcome;
    }
    const endedAt = call.hangupAt ?? call.dialActionAt ?? this.runtime.clock.now();
    await addToOutbox(tx, 'call.ended.v1', {
      callId: callUuid,
      provider: 'plivo',
      tenantId: call.tenantId,
      locationId: call.locationId,
      businessNumber: call.businessNumber,
      callerNumber: call.callerNumber,
      outcome,
      startedAt: call.answeredAt.toISOString(),
      endedAt: endedAt.toISOString(),
      ...(call.durationSeconds !== null ? { durationSeconds: call.durationSeconds } : {}),
      ...(call.hangupCause ? { hangupCause: call.hangupCause.slice(0, 64) } : {}),
    });
    return outcome;
  }
}
