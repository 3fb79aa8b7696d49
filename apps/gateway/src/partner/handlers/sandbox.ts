import { Inject, Injectable } from '@nestjs/common';
import { SandboxService } from '@textback/contracts/partner';
import { exchangeWithin, jsonOrUndefined } from '@textback/exchange';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../../config';
import { TenancyService } from '../../tenancy/tenancy.service';
import { PartnerError } from '../partner-errors';
import { grantedLocation, rpc } from '../partner-method';

/**
 * A sandbox's customers, played through the sandbox carrier: the text reaches conversation as the
 * carrier's signed webhook, exactly as a real customer's would. Sandboxes only.
 */
@Injectable()
export class SandboxHandlers {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
    private readonly tenancy: TenancyService,
  ) {}

  readonly methods = {
    simulateCustomerMessage: rpc(
      SandboxService.method.simulateCustomerMessage,
      'messages:write',
      async (req, call) => {
        const locationId = grantedLocation(call, 'location', req.location);
        if (!(await this.tenancy.isSandbox(call.tenantId)))
          throw new PartnerError(
            'invalid-request',
            `location: ${call.tenantId} is a real brand; customers are simulated in sandboxes only`,
            { fields: [{ field: 'location', description: 'not a sandbox location' }] },
          );
        const carrier = this.runtime.config.SANDBOX_PLIVO_API_URL;
        if (!carrier) throw new PartnerError('unavailable', 'no sandbox carrier is configured');
        const [location] = await this.tenancy.locationRecords(call.tenantId, [locationId]);
        const to = location?.settings.businessNumbers[0];
        if (!to) throw new PartnerError('not-found', `no location ${locationId}`);
        const res = await exchangeWithin(
          `${carrier.replace(/\/$/, '')}/__fake/inbound`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ from: req.customerNumber, to, text: req.text }),
          },
          { timeoutMs: 10_000, signal: call.signal },
        ).catch((err: unknown) => {
          throw new PartnerError(
            'unavailable',
            `the sandbox carrier did not answer: ${String(err)}`,
          );
        });
        const answer = (jsonOrUndefined(res) ?? {}) as {
          messageUuid?: string;
          status?: number;
        };
        // The carrier's webhook refused (a bad number or text): conversation's answer, as a 400.
        if (!res.ok || !answer.messageUuid || (answer.status ?? 500) >= 500)
          throw new PartnerError('unavailable', `the sandbox carrier answered ${res.status}`);
        if ((answer.status ?? 200) >= 400)
          throw new PartnerError(
            'invalid-request',
            `Textback refused the simulated text (${answer.status})`,
          );
        return { carrierMessageId: answer.messageUuid };
      },
      true,
    ),
  };
}
