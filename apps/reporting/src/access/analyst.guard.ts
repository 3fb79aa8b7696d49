import {
  createParamDecorator,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Access } from '@textback/auth';
import { ApiKeysService, type Caller } from './api-keys.service';

type WithCaller = Request & { caller?: Caller; access?: Access };

/** The analyst API: a gateway token that may read reports, or a tenant's analyst key. */
@Injectable()
export class AnalystGuard implements CanActivate {
  constructor(private readonly keys: ApiKeysService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WithCaller>();
    // The verified credential is kept before the permission check: a refused attempt is audited with it.
    req.caller = await this.keys.authenticate(req.headers.authorization, (access) => {
      req.access = access;
    });
    return true;
  }
}

/** The authenticated caller of this request (set by the guards above). */
export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller => {
    const caller = context.switchToHttp().getRequest<WithCaller>().caller;
    if (!caller) throw new Error('CurrentCaller used without AnalystGuard');
    return caller;
  },
);
