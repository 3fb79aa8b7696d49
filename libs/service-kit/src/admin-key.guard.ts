import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ServiceError } from './errors';

/** The key service-to-service endpoints accept (`/internal/...`). */
export const SERVICE_API_KEY = Symbol('SERVICE_API_KEY');

export class UnauthorizedError extends ServiceError<'unauthorized'> {}

/** Whether a presented secret equals the expected one, compared in constant time. */
export function sameSecret(presented: string, expected: string): boolean {
  const given = Buffer.from(presented);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** `Authorization: Bearer <key>`, compared in constant time. */
abstract class BearerKeyGuard implements CanActivate {
  protected constructor(
    private readonly key: string,
    private readonly keyName: string,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !sameSecret(header.slice(7), this.key)) {
      throw new UnauthorizedError(
        'unauthorized',
        `API key missing or wrong (Authorization: Bearer <${this.keyName}>)`,
      );
    }
    return true;
  }
}

@Injectable()
export class ServiceKeyGuard extends BearerKeyGuard {
  constructor(@Inject(SERVICE_API_KEY) key: string) {
    super(key, 'SERVICE_API_KEY');
  }
}
