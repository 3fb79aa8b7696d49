import { Inject, Injectable } from '@nestjs/common';
import { ConsentInboundReadingV1, type SmsReceivedV1 } from '@textback/contracts';
import { callInternal, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';

/**
 * Hands an inbound text to compliance, the owner of consent, before the carrier is told we have
 * it. No answer is an error: the webhook answers 503 and the carrier delivers the text again.
 */
@Injectable()
export class ComplianceClient {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>) {}

  async readInbound(message: SmsReceivedV1): Promise<ConsentInboundReadingV1['reading']> {
    const c = this.runtime.config;
    const answer = await callInternal({
      baseUrl: c.COMPLIANCE_URL,
      path: '/internal/v1/consent/inbound',
      bearer: c.SERVICE_API_KEY,
      body: message,
      timeoutMs: c.COMPLIANCE_TIMEOUT_MS,
    });
    if (!answer.answered) throw unavailable(`compliance did not answer: ${answer.reason}`);
    if (!answer.ok) throw unavailable(`compliance answered ${answer.status}`);
    const body = ConsentInboundReadingV1.safeParse(answer.json);
    if (!body.success) throw unavailable('compliance answered without a reading');
    return body.data.reading;
  }
}

function unavailable(message: string): ConversationError {
  return new ConversationError('consent-unavailable', message, true);
}
