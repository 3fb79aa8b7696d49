import type { Provider } from '@nestjs/common';
import { PlivoMessaging, type SendResult } from '@textback/carrier-plivo';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { SmsDispatchConfig } from '../config';

/** What a send and its reconciliation ask of a carrier. */
export type Carrier = Pick<PlivoMessaging, 'send' | 'outboundBetween'>;

/** A sandbox with no sandbox carrier configured: its texts are refused, never sent for real. */
const noSandboxCarrier: Carrier = {
  send: (): Promise<SendResult> =>
    Promise.resolve({
      kind: 'refused',
      retryable: false,
      status: undefined,
      reason: 'a partner sandbox, and no sandbox carrier is configured (SANDBOX_PLIVO_API_URL)',
    }),
  outboundBetween: () => Promise.resolve({ found: [], complete: true }),
};

/**
 * The carriers (Plivo's SDK behind our adapter): the live one, and the sandbox carrier — a Plivo
 * fake — for partners' sandbox brands (#19), chosen by the location's profile.
 */
export class Carriers {
  constructor(
    private readonly live: Carrier,
    private readonly sandbox: Carrier,
    private readonly directory: Pick<LocationDirectory, 'location'>,
  ) {}

  for(locationId: string | null): Carrier {
    return locationId && this.directory.location(locationId)?.sandbox ? this.sandbox : this.live;
  }
}

export const carriersProvider: Provider = {
  provide: Carriers,
  inject: [RUNTIME, LocationDirectory],
  useFactory: (runtime: ServiceRuntime<SmsDispatchConfig>, directory: LocationDirectory) => {
    const c = runtime.config;
    const plivo = (apiUrl: string) =>
      new PlivoMessaging({
        authId: c.PLIVO_AUTH_ID,
        authToken: c.PLIVO_AUTH_TOKEN,
        apiUrl,
        lookupUrl: c.PLIVO_LOOKUP_URL,
        timeoutMs: c.PLIVO_TIMEOUT_MS,
      });
    return new Carriers(
      plivo(c.PLIVO_API_URL),
      c.SANDBOX_PLIVO_API_URL ? plivo(c.SANDBOX_PLIVO_API_URL) : noSandboxCarrier,
      directory,
    );
  },
};
