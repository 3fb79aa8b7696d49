import { Inject, Injectable } from '@nestjs/common';
import { addToOutbox } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { CallIngestError } from '../errors';
import { CallEventRequest } from './call-event.request';

@Injectable()
export class CallEventsService {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  /**
   * Records the ended call and its `call.ended.v1` event in one transaction before answering,
   * so an accepted request is never lost; a repeat of the same call is acknowledged, not re-sent.
   */
  async accept(body: unknown): Promise<{ duplicate: boolean }> {
    const parsed = CallEventRequest.safeParse(body);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new CallIngestError('invalid-payload', reason);
    }
    const call = parsed.data;
    const inserted = await this.runtime.dataSource.transaction(async (tx) => {
      const rows: unknown[] = await tx.query(
        `INSERT INTO call_event (provider, call_id, event, tenant_id, location_id, outcome, ended_at)
         VALUES ('generic', $1, 'ended', $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING call_id`,
        [call.callId, call.tenantId, call.locationId, call.outcome, call.endedAt],
      );
      if (rows.length === 0) return false;
      await addToOutbox(tx, 'call.ended.v1', `${call.locationId}:${call.callerNumber}`, { ...call, provider: 'generic' });
      return true;
    });
    if (inserted) this.runtime.outbox.wake();
    return { duplicate: !inserted };
  }
}
