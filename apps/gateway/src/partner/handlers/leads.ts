import { Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { LeadSchema, LeadService, LeadStage } from '@textback/contracts/partner';
import { maskedFields } from '../field-mask';
import { PartnerError } from '../partner-errors';
import { idsOf, rpc } from '../partner-method';
import { PeerServices } from '../peers';
import { ThreadHandlers } from './threads';

/** A lead as conversation answers. */
interface InboxLead {
  status: 'new' | 'engaged' | 'qualified' | 'booked' | 'lost';
  serviceType: string | null;
  urgent: boolean;
  zip: string | null;
  valueMinor: number | null;
  currency: string | null;
  version: number;
}

const stages = {
  new: LeadStage.NEW,
  engaged: LeadStage.ENGAGED,
  qualified: LeadStage.QUALIFIED,
  booked: LeadStage.BOOKED,
  lost: LeadStage.LOST,
} as const;
const stageNames = Object.fromEntries(Object.entries(stages).map(([k, v]) => [v, k]));

function leadOf(name: string, l: InboxLead): MessageInitShape<typeof LeadSchema> {
  return {
    name,
    stage: stages[l.status],
    serviceType: l.serviceType ?? '',
    urgent: l.urgent,
    zip: l.zip ?? '',
    ...(l.valueMinor !== null && l.currency
      ? { value: { currencyCode: l.currency, amountMinor: BigInt(l.valueMinor) } }
      : {}),
    version: BigInt(l.version),
  };
}

/** A thread's lead: read with the thread, moved and booked through conversation's inbox API. */
@Injectable()
export class LeadHandlers {
  constructor(
    private readonly peers: PeerServices,
    private readonly threads: ThreadHandlers,
  ) {}

  readonly methods = {
    getLead: rpc(LeadService.method.getLead, 'threads:read', async (req, call) => {
      const [tenant, thread] = idsOf('name', req.name, 'tenants/*/threads/*/lead');
      const view = await this.threads.view(call, `tenants/${tenant}/threads/${thread}`);
      if (!view.lead) throw new PartnerError('not-found', `thread ${thread} has no lead yet`);
      return leadOf(req.name, view.lead as InboxLead);
    }),

    updateLead: rpc(
      LeadService.method.updateLead,
      'leads:write',
      async (req, call) => {
        const name = req.lead?.name ?? '';
        const [, thread] = idsOf('lead.name', name, 'tenants/*/threads/*/lead');
        const lead = req.lead;
        if (!lead) throw new PartnerError('invalid-request', 'lead: is required');
        const fields = maskedFields(LeadSchema, lead, req.updateMask);
        if (!fields.some((f) => f.localName === 'stage'))
          throw new PartnerError(
            'invalid-request',
            'update_mask: name the stage (the only field a partner sets)',
          );
        const stage = stageNames[lead.stage];
        if (!stage || stage === 'booked')
          throw new PartnerError(
            'invalid-request',
            stage
              ? 'lead.stage: book a lead with BookLead (it takes the value)'
              : 'lead.stage: is required',
            {
              fields: [
                { field: 'lead.stage', description: stage ? 'use BookLead' : 'is required' },
              ],
            },
          );
        const saved = await this.peers.call<InboxLead>(call, 'conversation', 'inbox:write', {
          method: 'PUT',
          path: `/v1/inbox/threads/${thread}/lead/stage`,
          query: { tenantId: call.tenantId },
          body: { stage },
        });
        return leadOf(name, saved);
      },
      true,
    ),

    bookLead: rpc(
      LeadService.method.bookLead,
      'leads:write',
      async (req, call) => {
        const [, thread] = idsOf('name', req.name, 'tenants/*/threads/*/lead');
        const saved = await this.peers.call<InboxLead>(call, 'conversation', 'inbox:write', {
          path: `/v1/inbox/threads/${thread}/book`,
          query: { tenantId: call.tenantId },
          body: req.value
            ? {
                value: {
                  currency: req.value.currencyCode,
                  amountMinor: Number(req.value.amountMinor),
                },
              }
            : {},
        });
        return leadOf(req.name, saved);
      },
      true,
    ),
  };
}
