import { Inject, Injectable } from '@nestjs/common';
import { Coalescer } from '@textback/coalescing';
import {
  ConsentCheckResultsV1,
  type ConsentChecksV1,
  type E164,
  type TenantId,
} from '@textback/contracts';
import { callInternal, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { SmsDispatchConfig } from '../config';
import { SmsDispatchError } from '../errors';

type Check = ConsentChecksV1['checks'][number];

/**
 * Asks compliance, the owner of consent, just before each carrier call. No answer (down, slow,
 * an error) is not a yes: the caller of this defers the send and asks again later.
 *
 * The sends of a claim reach this moment together: checks asked while one request is out go in
 * the next one (one request and one read of the ledger for the group, not one per text).
 */
@Injectable()
export class ComplianceClient {
  private readonly checks: Coalescer<Check, boolean>;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>) {
    this.checks = new Coalescer((group) => this.askAll(group), { maxConcurrent: 1, maxItems: 100 });
  }

  mayText(tenantId: TenantId, phoneNumber: E164, channelNumber: E164): Promise<boolean> {
    return this.checks.submit({ tenantId, phoneNumber, channelNumber });
  }

  private async askAll(checks: readonly Check[]): Promise<boolean[]> {
    const c = this.runtime.config;
    const answer = await callInternal({
      baseUrl: c.COMPLIANCE_URL,
      path: '/internal/v1/consent/checks',
      bearer: c.SERVICE_API_KEY,
      body: { checks: [...checks] } satisfies ConsentChecksV1,
      timeoutMs: c.COMPLIANCE_TIMEOUT_MS,
    });
    if (!answer.answered) throw unavailable(`compliance did not answer: ${answer.reason}`);
    if (!answer.ok) throw unavailable(`compliance answered ${answer.status}`);
    const body = ConsentCheckResultsV1.safeParse(answer.json);
    if (!body.success || body.data.results.length !== checks.length)
      throw unavailable('compliance answered without a result for each check');
    return body.data.results.map((r) => r.mayText);
  }
}

function unavailable(message: string): SmsDispatchError {
  return new SmsDispatchError('consent-unavailable', message, true);
}
