import { Injectable } from '@nestjs/common';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ConsentService, ConsentState, ReportService } from '@textback/contracts/partner';
import { grantedLocation, idsOf, rpc } from '../partner-method';
import { PeerServices } from '../peers';

const consentStates = {
  'no-record': ConsentState.NONE,
  'opted-in': ConsentState.OPTED_IN,
  'opted-out': ConsentState.OPTED_OUT,
} as const;

/** Consent from compliance and the funnel from reporting: their APIs, the partner's names. */
@Injectable()
export class ConsentAndReportHandlers {
  constructor(private readonly peers: PeerServices) {}

  readonly methods = {
    getConsentRecord: rpc(
      ConsentService.method.getConsentRecord,
      'consent:read',
      async (req, call) => {
        const [, phone] = idsOf('name', req.name, 'tenants/*/consentRecords/*');
        const record = await this.peers.call<{
          phoneNumber: string;
          state: keyof typeof consentStates;
          history: { source: string; changedAt: string }[];
        }>(call, 'compliance', 'consent:read', {
          path: `/v1/consent/${call.tenantId}/${encodeURIComponent(phone ?? '')}`,
        });
        const latest = record.history[record.history.length - 1];
        return {
          name: `tenants/${call.tenantId}/consentRecords/${record.phoneNumber}`,
          state: consentStates[record.state],
          source: latest?.source ?? '',
          ...(latest ? { updateTime: timestampFromDate(new Date(latest.changedAt)) } : {}),
        };
      },
    ),

    getFunnelReport: rpc(
      ReportService.method.getFunnelReport,
      'reports:read',
      async (req, call) => {
        idsOf('name', req.name, 'tenants/*/funnelReport');
        const locationId = req.location
          ? grantedLocation(call, 'location', req.location)
          : undefined;
        const report = await this.peers.call<{
          totals: Record<string, number>;
          roi?: { currency?: string };
        }>(call, 'reporting', 'reports:read', {
          path: '/v1/reports/funnel',
          query: { tenantId: call.tenantId, from: req.startDate, to: req.endDate, locationId },
        });
        const n = (k: string) => BigInt(Math.round(report.totals[k] ?? 0));
        return {
          name: req.name,
          startDate: req.startDate,
          endDate: req.endDate,
          calls: n('calls_missed') + n('calls_answered'),
          missedCalls: n('calls_missed'),
          textsSent: n('textbacks_sent'),
          textsDelivered: n('textbacks_delivered'),
          replies: n('textbacks_replied'),
          leads: n('leads'),
          booked: n('leads_booked'),
          revenue: { currencyCode: report.roi?.currency ?? 'USD', amountMinor: n('revenue_minor') },
        };
      },
    ),
  };
}
