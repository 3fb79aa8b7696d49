import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConsentStates } from '@textback/consent';
import { maskPhone, type EventEnvelope } from '@textback/contracts';
import { decideTextback, type TextbackContext, type TextbackDecision } from '@textback/domain';
import { addToOutbox, handleOnce, scopeOf } from '@textback/persistence';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { DecisionConfig } from '../config';
import { DecisionError } from '../errors';
import { LineTypesService } from './line-types.service';
import { textbackDecisionRepository as decisions } from './textback-decision.repository';

@Injectable()
export class TextbackDecisionsService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<DecisionConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly lineTypes: LineTypesService,
    @Inject(ConsentStates) private readonly consent: ConsentStates,
  ) {}

  /**
   * The call's location. call-ingest only reports calls to numbers a location owns, so an unknown
   * one means this copy of the directory is behind (a first start, a replica that missed the
   * update): reload it, and if it is still unknown fail retryably (the consumer retries with
   * backoff, then parks the event on the DLT for a replay) rather than suppress the text for good.
   */
  private async knownLocation(locationId: string) {
    const known = this.directory.location(locationId);
    if (known) return known;
    await this.directory.reload();
    const reloaded = this.directory.location(locationId);
    if (!reloaded)
      throw new DecisionError(
        'location-unknown',
        `location ${locationId} is not in this service's directory yet`,
        true,
      );
    return reloaded;
  }

  /**
   * Gathers the facts, lets the pure policy decide, and stores the decision with its reason and
   * its event in one transaction (outbox), once per event and once per call.
   */
  async decide(event: EventEnvelope<'call.ended.v1'>): Promise<void> {
    const call = event.payload;
    const db = this.runtime.db;
    const scope = scopeOf(event);
    const location = await this.knownLocation(call.locationId);
    // The tenant and the sending number come from the location, never from the event alone: a
    // call event naming another tenant must not check consent (or text) in the wrong name.
    if (location.tenantId !== call.tenantId) {
      throw new DecisionError(
        'location-mismatch',
        `location ${call.locationId} belongs to tenant ${location.tenantId}, not ${call.tenantId}`,
      );
    }
    if (!location.businessNumbers.includes(call.businessNumber)) {
      throw new DecisionError(
        'location-mismatch',
        `business number ${maskPhone(call.businessNumber)} is not a number of location ${call.locationId}`,
      );
    }
    const { lastTextbackAt, cachedLineType } = await decisions.callerFacts(
      db,
      scope,
      call,
      this.runtime.config.LINE_TYPE_CACHE_DAYS,
    );
    const context: TextbackContext = {
      call,
      location,
      consent: await this.consent.stateOf(scope, call.callerNumber, call.businessNumber),
      lastTextbackAt,
      lineType: undefined,
      now: this.runtime.clock.now(),
    };
    let decision: TextbackDecision = decideTextback(context);
    // Lookup costs money: only ask about callers every other rule would text (a sandbox's
    // callers are fictional numbers: never looked up).
    if (decision.outcome === 'requested' && !location.sandbox) {
      decision = decideTextback({
        ...context,
        lineType: await this.lineTypes.lineTypeOf(call.callerNumber, cachedLineType),
      });
    }

    await handleOnce(db, 'decision.call-ended', event.metadata.id, async (tx) => {
      // The time the policy decided at (sendAfter is measured from it), not the time of the write.
      const decidedAt = context.now.toISOString();
      const textbackId = decision.outcome === 'requested' ? randomUUID() : null;
      const inserted = await decisions.insert(tx, scope, {
        callId: call.callId,
        locationId: call.locationId,
        callerNumber: call.callerNumber,
        callOutcome: call.outcome,
        outcome: decision.outcome,
        reason: decision.outcome === 'suppressed' ? decision.reason : null,
        textbackId,
        sendAfter: decision.outcome === 'requested' ? decision.sendAfter : null,
        decidedAt,
        causedByEvent: event.metadata.id,
      });
      // The same call reported twice (two event ids) is decided once.
      if (!inserted) return;
      // Counted once committed: a batch rolled back and redone must not count twice.
      tx.afterCommit(() =>
        counterOf(
          this.runtime.registry,
          'decision_textbacks_total',
          'Text-back decisions by outcome and suppression reason',
          ['outcome', 'reason'],
        ).inc({
          outcome: decision.outcome,
          reason: decision.outcome === 'suppressed' ? decision.reason : 'none',
        }),
      );
      const causation = { causationId: event.metadata.id };
      if (decision.outcome === 'requested' && textbackId) {
        await addToOutbox(
          tx,
          'textback.requested.v1',
          {
            textbackId,
            callId: call.callId,
            tenantId: call.tenantId,
            locationId: call.locationId,
            from: call.businessNumber,
            to: call.callerNumber,
            sendAfter: decision.sendAfter.toISOString(),
            callEndedAt: call.endedAt,
          },
          causation,
        );
      } else if (decision.outcome === 'suppressed') {
        await addToOutbox(
          tx,
          'textback.suppressed.v1',
          {
            callId: call.callId,
            tenantId: call.tenantId,
            locationId: call.locationId,
            callerNumber: call.callerNumber,
            reason: decision.reason,
            decidedAt,
          },
          causation,
        );
      }
    });
  }
}
