import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConsentStates } from '@textback/consent';
import { maskPhone, type EventEnvelope } from '@textback/contracts';
import { decideTextback, type TextbackContext, type TextbackDecision } from '@textback/domain';
import { addToOutbox, handleOnce } from '@textback/persistence';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { DecisionError } from '../errors';
import { LineTypesService } from './line-types.service';

@Injectable()
export class TextbackDecisionsService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
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
    const db = this.runtime.dataSource;
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
    const last: { decided_at: Date }[] = await db.query(
      `SELECT decided_at FROM textback_decision
       WHERE location_id = $1 AND caller_number = $2 AND outcome = 'requested' AND call_id <> $3
       ORDER BY decided_at DESC LIMIT 1`,
      [call.locationId, call.callerNumber, call.callId],
    );
    const context: TextbackContext = {
      call,
      location,
      consent: await this.consent.stateOf(
        location.tenantId,
        call.callerNumber,
        call.businessNumber,
      ),
      lastTextbackAt: last[0]?.decided_at,
      lineType: undefined,
      now: new Date(),
    };
    let decision: TextbackDecision = decideTextback(context);
    // Lookup costs money: only ask about callers every other rule would text.
    if (decision.outcome === 'requested') {
      decision = decideTextback({
        ...context,
        lineType: await this.lineTypes.lineTypeOf(call.callerNumber),
      });
    }

    const handled = await handleOnce(db, 'decision.call-ended', event.metadata.id, async (tx) => {
      // The time the policy decided at (sendAfter is measured from it), not the time of the write.
      const decidedAt = context.now.toISOString();
      const textbackId = decision.outcome === 'requested' ? randomUUID() : null;
      const inserted: unknown[] = await tx.query(
        `INSERT INTO textback_decision (call_id, tenant_id, location_id, caller_number, call_outcome, outcome, reason, textback_id, send_after, decided_at, caused_by_event)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (call_id) DO NOTHING RETURNING call_id`,
        [
          call.callId,
          call.tenantId,
          call.locationId,
          call.callerNumber,
          call.outcome,
          decision.outcome,
          decision.outcome === 'suppressed' ? decision.reason : null,
          textbackId,
          decision.outcome === 'requested' ? decision.sendAfter : null,
          decidedAt,
          event.metadata.id,
        ],
      );
      // The same call reported twice (two event ids) is decided once.
      if (inserted.length === 0) return;
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
    if (handled) {
      counterOf(
        this.runtime.registry,
        'decision_textbacks_total',
        'Text-back decisions by outcome and suppression reason',
        ['outcome', 'reason'],
      ).inc({
        outcome: decision.outcome,
        reason: decision.outcome === 'suppressed' ? decision.reason : 'none',
      });
      this.runtime.outbox.wake();
    }
  }
}
