import { Inject, Injectable } from '@nestjs/common';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { SmsDispatchConfig } from '../config';
import { SmsDispatchError } from '../errors';

/**
 * Asks compliance, the owner of consent, just before each carrier call. No answer (down, slow,
 * an error) is not a yes: the caller of this defers the send and asks again later.
 */
@Injectable()
export class ComplianceClient {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>) {}

  async mayText(tenantId: string, phoneNumber: string, channelNumber: string): Promise<boolean> {
    const c = this.runtime.config;
    const url = `${c.COMPLIANCE_URL.replace(/\/$/, '')}/internal/v1/consent/${encodeURIComponent(tenantId)}/${encodeURIComponent(phoneNumber)}?channel=${encodeURIComponent(channelNumber)}`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${c.SERVICE_API_KEY}` },
        signal: AbortSignal.timeout(c.COMPLIANCE_TIMEOUT_MS),
      });
    } catch (err) {
      throw new SmsDispatchError(
        'consent-unavailable',
        `compliance did not answer: ${err instanceof Error ? err.message : String(err)}`,
        true,
      );
    }
    if (!res.ok)
      throw new SmsDispatchError('consent-unavailable', `compliance answered ${res.status}`, true);
    const body = (await res.json()) as { mayText?: unknown };
    if (typeof body.mayText !== 'boolean')
      throw new SmsDispatchError(
        'consent-unavailable',
        'compliance answered without mayText',
        true,
      );
    return body.mayText;
  }
}
