import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Counter } from 'prom-client';
import {
  counterOf,
  egressFetch,
  EgressRefusedError,
  RUNTIME,
  type ServiceRuntime,
} from '@textback/service-kit';
import type { ConversationConfig } from '../config';

export interface Emergency {
  readonly threadId: string;
  readonly leadId: string;
  readonly tenantId: string;
  readonly locationId: string;
  readonly emergency: string;
}

/**
 * Tells a location's on-call webhook about an emergency: through the egress check, retried with
 * backoff; a failure is logged and counted, the SMS alert stands. Calls in flight are awaited on
 * shutdown. Called after the commit that recorded the emergency, never before.
 */
@Injectable()
export class OnCallNotifier implements OnModuleDestroy {
  private readonly results: Counter<'result'>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>) {
    this.results = counterOf(
      runtime.registry,
      'conversation_on_call_webhooks_total',
      'On-call webhook calls by result (delivered, failed, refused by the egress check)',
      ['result'],
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  notify(url: string, emergency: Emergency): void {
    const policy = retry(
      handleWhen((err) => !(err instanceof EgressRefusedError)),
      { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 2_000 }) },
    );
    const egress = { allowInsecure: this.runtime.config.EGRESS_ALLOW_INSECURE };
    const call = policy.execute(async () => {
      const res = await egressFetch(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'emergency',
            ...emergency,
            at: this.runtime.clock.now().toISOString(),
          }),
        },
        egress,
        { timeoutMs: 5_000 },
      );
      if (!res.ok) throw new Error(`on-call webhook answered ${res.status}`);
    });
    this.inFlight.add(call);
    void call
      .then(() => this.results.inc({ result: 'delivered' }))
      .catch((err: unknown) => {
        this.results.inc({ result: err instanceof EgressRefusedError ? 'refused' : 'failed' });
        this.runtime.logger.error({ err: String(err) }, 'on-call webhook failed');
      })
      .finally(() => this.inFlight.delete(call));
  }
}
