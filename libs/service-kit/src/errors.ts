import { Catch, HttpException, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { AbstractHttpAdapter, BaseExceptionFilter } from '@nestjs/core';
import type { Logger } from 'pino';
import type { Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { QueryFailedError } from 'typeorm';

/**
 * Every error code of every service, and what it means at each edge (HTTP today, gRPC with the
 * partner gateway): defined once. A service's error class picks the codes it may throw.
 */
export const errorCodes = {
  'invalid-request': {
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    retryable: false,
    meaning: 'the request is wrong; the message names the field',
  },
  'invalid-payload': {
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    retryable: false,
    meaning: 'a webhook or event body is wrong; the message names the field',
  },
  'location-mismatch': {
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    retryable: false,
    meaning: 'tenant, location and number do not belong together',
  },
  unauthorized: {
    http: 401,
    grpc: 'UNAUTHENTICATED',
    retryable: false,
    meaning: 'no or a wrong credential',
  },
  'invalid-signature': {
    http: 401,
    grpc: 'UNAUTHENTICATED',
    retryable: false,
    meaning: 'a webhook signature is missing, forged or stale',
  },
  forbidden: {
    http: 403,
    grpc: 'PERMISSION_DENIED',
    retryable: false,
    meaning: 'the credential may not do this',
  },
  'not-found': {
    http: 404,
    grpc: 'NOT_FOUND',
    retryable: false,
    meaning: 'no such thing (in this tenant)',
  },
  conflict: {
    http: 409,
    grpc: 'ALREADY_EXISTS',
    retryable: false,
    meaning: 'it clashes with what exists',
  },
  replayed: {
    http: 409,
    grpc: 'ALREADY_EXISTS',
    retryable: false,
    meaning: 'this signed request was seen before',
  },
  throttled: {
    http: 429,
    grpc: 'RESOURCE_EXHAUSTED',
    retryable: true,
    meaning: 'too many failed attempts: wait as long as the message says',
  },
  'location-unknown': {
    http: 503,
    grpc: 'UNAVAILABLE',
    retryable: true,
    meaning: "this service's copy of the locations is behind",
  },
  'not-configured': {
    http: 503,
    grpc: 'FAILED_PRECONDITION',
    retryable: false,
    meaning: 'a setting this needs is unset (the message names it); kept in the dead letter',
  },
  'consent-unavailable': {
    http: 503,
    grpc: 'UNAVAILABLE',
    retryable: true,
    meaning: 'compliance did not answer; nothing is sent or acknowledged meanwhile',
  },
  overloaded: {
    http: 503,
    grpc: 'UNAVAILABLE',
    retryable: true,
    meaning: 'too much in flight: the sender retries later (only webhooks whose sender does)',
  },
  'auth-unavailable': {
    http: 503,
    grpc: 'UNAVAILABLE',
    retryable: true,
    meaning: 'the gateway that issues access tokens did not answer',
  },
  'opted-out': {
    http: 409,
    grpc: 'FAILED_PRECONDITION',
    retryable: false,
    meaning: 'the customer opted out (STOP): nothing is texted to them until they opt back in',
  },
  'request-id-reused': {
    http: 422,
    grpc: 'INVALID_ARGUMENT',
    retryable: false,
    meaning: 'an idempotency key (request_id) sent again with a different request',
  },
  'request-in-progress': {
    http: 409,
    grpc: 'ABORTED',
    retryable: true,
    meaning: 'the first request with this idempotency key is still running: retry shortly',
  },
  'rate-limited': {
    http: 429,
    grpc: 'RESOURCE_EXHAUSTED',
    retryable: true,
    meaning: "over the client's or the tenant's request budget: retry after the time given",
  },
  'deadline-exceeded': {
    http: 504,
    grpc: 'DEADLINE_EXCEEDED',
    retryable: true,
    meaning: "the caller's deadline passed before the work was done",
  },
  unavailable: {
    http: 503,
    grpc: 'UNAVAILABLE',
    retryable: true,
    meaning: 'a service this needs did not answer',
  },
} as const satisfies Record<
  string,
  { http: number; grpc: GrpcStatusName; retryable: boolean; meaning: string }
>;

/** gRPC's canonical status names (the partner gateway maps each code to one at its edge). */
export type GrpcStatusName =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE';

export type ErrorCode = keyof typeof errorCodes;

/**
 * The base of each app's one error class: a code from the shared table and the message. It knows
 * nothing of HTTP; the edge maps the code (`errorCodes`). `retryable` says whether another
 * attempt could help (the event bus retries only those); it defaults to the code's own.
 */
/** `instanceof` on the generic class types the error as `ServiceError<any>`; this keeps the code union. */
export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}

export abstract class ServiceError<Code extends ErrorCode = ErrorCode> extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: Code,
    message: string,
    retryable?: boolean,
  ) {
    super(message);
    this.name = new.target.name;
    this.retryable = retryable ?? errorCodes[code].retryable;
  }
}

/** PostgreSQL's "this value is not valid for the column" errors: bad input that slipped past validation. */
const INVALID_INPUT_SQLSTATES = new Set([
  '22P02',
  '22021',
  '22003',
  '22008',
  '22007',
  '22001',
  '54000',
]);

/**
 * The edge of every service. HTTP: a ServiceError becomes `{ error: code, message }` with its
 * status; a value PostgreSQL refuses as input (a safety net behind edge validation) is a 400,
 * never a 500; anything else is Nest's 500. Event consumers: the handler's own error goes back
 * to the event bus unchanged (Nest's default would turn it into "Internal server error"), so
 * the bus can read `retryable` and dead-letter with the error's code and message.
 */
@Catch()
export class EdgeErrorFilter extends BaseExceptionFilter {
  constructor(
    httpAdapter: AbstractHttpAdapter,
    private readonly logger: Pick<Logger, 'error'>,
  ) {
    super(httpAdapter);
  }

  override catch(error: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'http') return throwError(() => error);
    const res = host.switchToHttp().getResponse<Response>();
    if (isServiceError(error)) {
      const known = error;
      res.status(errorCodes[known.code].http).json({ error: known.code, message: known.message });
      return;
    }
    const sqlState =
      typeof error === 'object' && error !== null && 'code' in error
        ? String((error as { code: unknown }).code)
        : '';
    if (error instanceof QueryFailedError && INVALID_INPUT_SQLSTATES.has(sqlState)) {
      res.status(HttpStatus.BAD_REQUEST).json({
        error: 'invalid-request',
        message: `a value in the request is not valid: ${error.message.slice(0, 200)}`,
      });
      return;
    }
    if (error instanceof HttpException) return super.catch(error, host);
    // Logged by this service's logger (Nest's own is one per process: in `npm start` it would name another service).
    this.logger.error(
      {
        err:
          error instanceof Error
            ? { name: error.name, message: error.message, stack: error.stack }
            : String(error),
      },
      'unexpected error answering a request',
    );
    res
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .json({ error: 'internal', message: 'Internal server error' });
  }
}
