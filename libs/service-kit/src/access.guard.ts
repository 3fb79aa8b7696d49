import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import {
  AccessDeniedError,
  authorize,
  authorizeLocation,
  InvalidTokenError,
  looksLikeAccessToken,
  type Access,
  type Permission,
} from '@textback/auth';
import type { LocationId, TenantId } from '@textback/contracts';
import type { TenantScope } from '@textback/persistence';
import { UnauthorizedError } from './admin-key.guard';
import { RUNTIME } from './bootstrap';
import { ServiceError } from './errors';
import type { ServiceRuntime } from './runtime';

export class ForbiddenError extends ServiceError<'forbidden'> {}

const REQUIRED_PERMISSION = 'textback:required-permission';

/** The permission a route needs; `AccessGuard` refuses a credential without it (403). */
export const Requires = (permission: Permission): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_PERMISSION, permission);

type WithAccess = Request & { access?: Access };

/**
 * Who is calling: an access token the gateway signed (verified here against its JWKS, by the
 * service clock; no shared key is accepted on any operator surface). Then the route's
 * permission. Which tenant and locations the request may touch is decided in the handler with
 * `scopeFor`, which yields the repositories' `TenantScope`.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WithAccess>();
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    const access = await this.accessOf(presented);
    // Known before the permission check, so a refused attempt is audited with its actor.
    req.access = access;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(
      REQUIRED_PERMISSION,
      [context.getHandler(), context.getClass()],
    );
    if (permission && !access.permissions.includes(permission))
      throw new ForbiddenError('forbidden', `this credential may not ${permission}`);
    return true;
  }

  private async accessOf(presented: string): Promise<Access> {
    const tokens = this.runtime.tokens;
    if (tokens && looksLikeAccessToken(presented)) {
      try {
        return await tokens.verify(presented);
      } catch (err) {
        if (err instanceof InvalidTokenError)
          throw new UnauthorizedError('unauthorized', err.message);
        throw err;
      }
    }
    throw new UnauthorizedError(
      'unauthorized',
      'credential missing or wrong (Authorization: Bearer <access token>)',
    );
  }
}

/** The verified caller of this request (set by `AccessGuard`). */
export const CurrentAccess = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const access = context.switchToHttp().getRequest<WithAccess>().access;
  if (!access) throw new Error('@CurrentAccess needs AccessGuard on its route');
  return access;
});

/** The scope `access` may use for `permission` on `tenantId` (403 for another tenant). */
export function scopeFor(access: Access, permission: Permission, tenantId: TenantId): TenantScope {
  return denied(() => authorize(access, permission, tenantId));
}

/** As `scopeFor`, narrowed to one location the credential must cover (403 otherwise). */
export function scopeForLocation(
  access: Access,
  permission: Permission,
  tenantId: TenantId,
  locationId: LocationId,
): TenantScope {
  return denied(() => authorizeLocation(access, permission, tenantId, locationId));
}

function denied(authorizeIt: () => TenantScope): TenantScope {
  try {
    return authorizeIt();
  } catch (err) {
    if (err instanceof AccessDeniedError) throw new ForbiddenError('forbidden', err.message);
    throw err;
  }
}
