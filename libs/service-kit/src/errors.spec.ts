import type { ArgumentsHost } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { lastValueFrom, type Observable } from 'rxjs';
import { EdgeErrorFilter, ServiceError } from './errors';

class TestError extends ServiceError<'location-mismatch'> {}

function httpHost(): { host: ArgumentsHost; sent: { status?: number; body?: unknown } } {
  const sent: { status?: number; body?: unknown } = {};
  const res = {
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({}) }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

describe('EdgeErrorFilter', () => {
  const logged: object[] = [];
  const filter = new EdgeErrorFilter(new HttpAdapterHost().httpAdapter, {
    error: (fields: object) => void logged.push(fields),
  } as never);

  it('hands a consumer its own error back (so the bus reads its code and retryability), not "Internal server error"', async () => {
    const error = new TestError('location-mismatch', 'location x belongs to tenant a, not b');
    const rpc = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    await expect(lastValueFrom(filter.catch(error, rpc) as Observable<never>)).rejects.toBe(error);
  });

  it('answers a service error with its code and status', () => {
    const { host, sent } = httpHost();
    filter.catch(new TestError('location-mismatch', 'nope'), host);
    expect(sent).toEqual({ status: 400, body: { error: 'location-mismatch', message: 'nope' } });
  });

  it("logs an unexpected error with the service's own logger (which names the service) and answers a plain 500", () => {
    const { host, sent } = httpHost();
    filter.catch(new TypeError("Cannot read properties of undefined (reading 'x')"), host);
    expect(sent).toEqual({
      status: 500,
      body: { error: 'internal', message: 'Internal server error' },
    });
    expect(logged).toEqual([
      {
        err: expect.objectContaining({
          name: 'TypeError',
          message: "Cannot read properties of undefined (reading 'x')",
        }),
      },
    ]);
  });
});
