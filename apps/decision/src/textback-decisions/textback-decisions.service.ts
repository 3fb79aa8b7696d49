import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@textback/contracts';
import { decideTextback } from '@textback/domain';
import { addToOutbox, handleOnce } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';

@Injectable()
export class TextbackDecisionsService {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  /** Decides once per event: the decision row and its event commit together (outbox). */
  async decide(event: EventEnvelope<'call.ended.v1'>): Promise<void> {
    const call = event.payload;
    const handled = await handleOnce(this.runtime.dataSource, 'decision.call-ended', event.metadata.id, async (tx) => {
      const decision = decideTextback(call);
      const key = `${call.locationId}:${call.callerNumber}`;
      const decidedAt = new Date().toISOString();
      const textbackId = decision.outcome === 'requested' ? randomUUID() : null;
      const inserted: unknown[] = await tx.query(
        `INSERT INTO textback_decision (call_id, tenant_id, location_id, caller_number, call_outcome, outcome, reason, textback_id, decided_at, caused_by_event)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (call_id) DO NOTHING RETURNING call_id`,
        [call.callId, call.tenantId, call.locationId, call.callerNumber, call.outcome, decision.outcome,
          decision.outcome === 'suppressed' ? decision.reason : null, textbackId, decidedAt, event.metadata.id],
      );
      // The same call reported twice (two event ids) is decided once.
      if (inserted.length === 0) return;
      const causation = { causationId: event.metadata.id };
      if (decision.outcome === 'requested' && textbackId) {
        await addToOutbox(tx, 'textback.requested.v1', key, {
          textbackId,
          callId: call.callId,
          tenantId: call.tenantId,
          locationId: call.locationId,
          from: call.businessNumber,
          to: call.callerNumber,
          sendAfter: decidedAt,
          callEndedAt: call.endedAt,
        }, causation);
      } else if (decision.outcome === 'suppressed') {
        await addToOutbox(tx, 'textback.suppressed.v1', key, {
          callId: call.callId,
          tenantId: call.tenantId,
          locationId: call.locationId,
          callerNumber: call.callerNumber,
          reason: decision.reason,
          decidedAt,
        }, causation);
      }
    });
    if (handled) this.runtime.outbox.wake();
  }
}
