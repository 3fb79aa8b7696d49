import { Reflector } from '@nestjs/core';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Registry } from 'prom-client';
import { lastValueFrom, of, Subject, type Observable } from 'rxjs';
import {
  LoadShedding,
  OverloadedError,
  PLIVO_MESSAGE_CALLBACK_RETRIES,
  Sheddable,
} from './load-shedding';
import type { ServiceRuntime } from './runtime';

@Sheddable(PLIVO_MESSAGE_CALLBACK_RETRIES)
class DeliveryReports {
  status(): string {
    return 'status';
  }
}
class Voice {
  answer(): string {
    return 'answer';
  }
}

/** An HTTP request to one handler, as Nest hands it to an interceptor. */
function request(
  controller: new () => object,
  handler: () => string,
  headers: Record<string, string>,
): ExecutionContext {
  const http = {
    getRequest: () => ({ route: { path: '/v1/plivo/sms/status' } }),
    getResponse: () => ({ setHeader: (k: string, v: string) => void (headers[k] = v) }),
  };
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => controller,
    switchToHttp: () => http,
  } as unknown as ExecutionContext;
}

describe('load shedding (#17)', () => {
  const registry = new Registry();
  const shedding = new LoadShedding(
    {
      service: 'sms-dispatch',
      registry,
      config: { WEBHOOK_MAX_IN_FLIGHT: 2 },
    } as unknown as ServiceRuntime,
    new Reflector(),
  );
  const pending = (): CallHandler => ({ handle: (): Observable<unknown> => new Subject() });
  const done = (): CallHandler => ({ handle: () => of('ok') });
  const metric = async (name: string): Promise<string> =>
    (await registry.getSingleMetricAsString(name))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');

  it('refuses a sheddable webhook with 503 and Retry-After once the limit is in flight, and counts it', async () => {
    const inFlight = [
      shedding.intercept(request(Voice, Voice.prototype.answer, {}), pending()).subscribe(),
      shedding.intercept(request(Voice, Voice.prototype.answer, {}), pending()).subscribe(),
    ];
    expect(await metric('sms_dispatch_work_in_flight')).toContain('kind="http"} 2');

    const headers: Record<string, string> = {};
    expect(() =>
      shedding.intercept(
        request(DeliveryReports, DeliveryReports.prototype.status, headers),
        done(),
      ),
    ).toThrow(OverloadedError);
    expect(headers['Retry-After']).toBe('60');
    expect(await metric('sms_dispatch_webhooks_shed_total')).toContain(
      'route="/v1/plivo/sms/status"} 1',
    );

    // What may not be shed (answer_url: a caller is on the line) is still served.
    await expect(
      lastValueFrom(shedding.intercept(request(Voice, Voice.prototype.answer, {}), done())),
    ).resolves.toBe('ok');

    for (const s of inFlight) s.unsubscribe();
    expect(await metric('sms_dispatch_work_in_flight')).toContain('kind="http"} 0');
    await expect(
      lastValueFrom(
        shedding.intercept(request(DeliveryReports, DeliveryReports.prototype.status, {}), done()),
      ),
    ).resolves.toBe('ok');
  });
});
