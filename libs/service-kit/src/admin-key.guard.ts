import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ServiceError } from './errors';

/** The key operator endpoints accept (provide it from the service's config). */
export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');
/** The key service-to-service endpoints accept (`/internal/...`). */
export const SERVICE_API_KEY = Symbol('SERVICE_API_KEY');

export class UnauthorizedError extends ServiceError<'unauthorized'> {}

/** `Authorization: Bearer <key>`, compared in constant time. */
abstract class BearerKeyGuard implements CanActivate {
  protected constructor(
    private readonly key: string,
    private readonly keyName: string,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const given = Buffer.from(header.replace(/^Bearer /, ''));
    const expected = Buffer.from(this.key);
    if (
      !header.startsWith('Bearer ') ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      throw new UnauthorizedError(
        'unauthorized',
        `API key missing or wrong (Authorization: Bearer <${this.keyName}>)`,
      );
    }
    return true;
  }
}

@Injectable()
export class AdminKeyGuard extends BearerKeyGuard {
  constructor(@Inject(ADMIN_API_KEY) key: string) {
    super(key, 'ADMIN_API_KEY');
  }
}

@Injectable()
export class ServiceKeyGuard extends BearerKeyGuard {
  constructor(@Inject(SERVICE_API_KEY) key: string) {
    super(key, 'SERVICE_API_KEY');
  }
}
