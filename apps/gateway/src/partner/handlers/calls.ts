import { Injectable } from '@nestjs/common';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { CallOutcome, CallService } from '@textback/contracts/partner';
import { PeerServices } from '../peers';
import { grantedLocation, rpc } from '../partner-method';
import { PartnerError } from '../partner-errors';

const outcomes: Record<CallOutcome, string | undefined> = {
  [CallOutcome.UNSPECIFIED]: undefined,
  [CallOutcome.ANSWERED]: 'answered',
  [CallOutcome.NO_ANSWER]: 'no-answer',
  [CallOutcome.BUSY]: 'busy',
  [CallOutcome.CALLER_ABANDONED]: 'caller-abandoned',
  [CallOutcome.VOICEMAIL]: 'voicemail',
  [CallOutcome.FAILED]: 'failed',
};

/**
 * Calls that ended on another phone system: handed to call-ingest's generic call-event endpoint —
 * one implementation (its validation, its idempotency on the call id, its `call.ended.v1`).
 */
@Injectable()
export class CallHandlers {
  constructor(private readonly peers: PeerServices) {}

  readonly methods = {
    createCall: rpc(
      CallService.method.createCall,
      'calls:write',
      async (req, call) => {
        const c = req.call;
        if (!c)
          throw new PartnerError('invalid-request', 'call: is required', {
            fields: [{ field: 'call', description: 'is required' }],
          });
        const locationId = grantedLocation(call, 'call.location', c.location);
        const accepted = await this.peers.call<{ duplicate: boolean }>(
          call,
          'call-ingest',
          'call-events:write',
          {
            path: '/v1/call-events',
            body: {
              callId: req.callId,
              tenantId: call.tenantId,
              locationId,
              businessNumber: c.businessNumber,
              callerNumber: c.callerNumber,
              outcome: outcomes[c.outcome],
              endedAt: c.endTime ? timestampDate(c.endTime).toISOString() : undefined,
              startedAt: c.startTime ? timestampDate(c.startTime).toISOString() : undefined,
              durationSeconds: c.durationSeconds,
            },
          },
        );
        return {
          ...c,
          name: `tenants/${call.tenantId}/calls/${req.callId}`,
          duplicate: accepted.duplicate,
        };
      },
      true,
    ),
  };
}
