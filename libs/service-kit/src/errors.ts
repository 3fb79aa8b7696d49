import { Catch, HttpException, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { AbstractHttpAdapter, BaseExceptionFilter } from '@nestjs/core';
import type { Logger } from 'pino';
import type { Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { QueryFailedError } from 'typeorm';

/**
 * The base of each app's one error class: a string code from the app's code union, whether a
 * retry could help, and the HTTP status it maps to at the edge. Domain code never throws HTTP.
 */
export abstract class ServiceError<Code extends string = string> extends Error {
  abstract readonly httpStatus: number;
  constructor(
    readonly code: Code,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = new.target.name;
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
    if (error instanceof ServiceError) {
      res
        .status(error.httpStatus || HttpStatus.INTERNAL_SERVER_ERROR)
        .json({ error: error.code, message: error.message });
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
