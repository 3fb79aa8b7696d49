import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

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

/** Maps a ServiceError to `{ error: code, message }` with its status; anything else is a 500. */
@Catch(ServiceError)
export class ServiceErrorFilter implements ExceptionFilter {
  catch(error: ServiceError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.status(error.httpStatus || HttpStatus.INTERNAL_SERVER_ERROR).json({ error: error.code, message: error.message });
  }
}
