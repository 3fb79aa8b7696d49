import type { Provider } from '@nestjs/common';
import { PlivoMessaging } from '@textback/carrier-plivo';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { SmsDispatchConfig } from '../config';

/** The carrier (Plivo's SDK behind our adapter), one per service. */
export const CARRIER = Symbol('CARRIER');

export const carrierProvider: Provider = {
  provide: CARRIER,
  inject: [RUNTIME],
  useFactory: (runtime: ServiceRuntime<SmsDispatchConfig>) => {
    const c = runtime.config;
    return new PlivoMessaging({
      authId: c.PLIVO_AUTH_ID,
      authToken: c.PLIVO_AUTH_TOKEN,
      apiUrl: c.PLIVO_API_URL,
      lookupUrl: c.PLIVO_LOOKUP_URL,
      timeoutMs: c.PLIVO_TIMEOUT_MS,
    });
  },
};
