import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ServiceError } from './errors';

/** The admin key a service's operator endpoints accept (provide it from the service's config). */
export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');

export class UnauthorizedError extends ServiceError<'unauthorized'> {
  readonly httpStatus = 401;
}

/** Operator endpoints: `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(ADMIN_API_KEY) private readonly key: string) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const given = Buffer.from(header.replace(/^Bearer /, ''));
    const expected = Buffer.from(this.key);
    if (!header.startsWith('Bearer ') || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedError('unauthorized', 'admin API key missing or wrong (Authorization: Bearer <ADMIN_API_KEY>)');
    }
    return true;
  }
}
