import { Inject, Injectable } from '@nestjs/common';
import type { SmsReceivedV1 } from '@textback/contracts';
import { exchangeWithin, jsonOrUndefined, type Answer } from '@textback/exchange';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';

/**
 * Hands an inbound text to compliance, the owner of consent, before the carrier is told we have
 * it. No answer is an error: the webhook answers 503 and the carrier delivers the text again.
 */
@Injectable()
export class ComplianceClient {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>) {}

  async readInbound(message: SmsReceivedV1): Promise<string> {
    const c = this.runtime.config;
    let res: Answer;
    try {
      res = await exchangeWithin(
        `${c.COMPLIANCE_URL.replace(/\/$/, '')}/internal/v1/consent/inbound`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${c.SERVICE_API_KEY}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(message),
        },
        { timeoutMs: c.COMPLIANCE_TIMEOUT_MS },
      );
    } catch (err) {
      throw new ConversationError(
        'consent-unavailable',
        `compliance did not answer: ${err instanceof Error ? err.message : String(err)}`,
        true,
      );
    }
    if (!res.ok)
      throw new ConversationError('consent-unavailable', `compliance answered ${res.status}`, true);
    const body = jsonOrUndefined(res) as { reading?: unknown } | null | undefined;
    if (typeof body !== 'object' || body === null)
      throw new ConversationError('consent-unavailable', 'compliance answered without JSON', true);
    return typeof body.reading === 'string' ? body.reading : 'none';
  }
}
