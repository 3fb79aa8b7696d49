import {
  createParamDecorator,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { ReportingError } from '../errors';
import { ApiKeysService, type Caller } from './api-keys.service';

type WithCaller = Request & { caller?: Caller };

/** The analyst API: a tenant-scoped key, or the operator's admin key. */
@Injectable()
export class AnalystGuard implements CanActivate {
  constructor(private readonly keys: ApiKeysService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WithCaller>();
    req.caller = await this.keys.authenticate(req.headers.authorization);
    return true;
  }
}

/** The operator only (creating and revoking analyst keys). */
@Injectable()
export class OperatorGuard extends AnalystGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    if (context.switchToHttp().getRequest<WithCaller>().caller?.kind !== 'admin')
      throw new ReportingError('forbidden', 'managing API keys needs the admin key');
    return true;
  }
}

/** The authenticated caller of this request (set by the guards above). */
export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller => {
    const caller = context.switchToHttp().getRequest<WithCaller>().caller;
    if (!caller) throw new Error('CurrentCaller used without AnalystGuard or OperatorGuard');
    return caller;
  },
);
