import {
  Catch,
  Controller,
  Delete,
  Get,
  Injectable,
  Patch,
  Post,
  Put,
  Req,
  Res,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import type { Response } from 'express';
import { restBindings } from './http-rules';
import { PartnerAuth } from './partner-auth';
import { failureOf, toProblem } from './partner-errors';
import { PartnerRest, type PartnerRequest } from './partner-rest';

/** A partner client's token on every partner REST route (the dispatcher checks its grant). */
@Injectable()
export class PartnerTokenGuard implements CanActivate {
  constructor(private readonly auth: PartnerAuth) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<PartnerRequest>();
    req.access = await this.auth.authenticate(req.header('authorization'));
    return true;
  }
}

/** The guard's refusals as RFC 9457 problem details, like every other partner error. */
@Catch()
export class PartnerProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const problem = toProblem(failureOf(error));
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(problem.status)
      .set(problem.headers)
      .send(JSON.stringify(problem.body));
  }
}

const verbs = { GET: Get, POST: Post, PATCH: Patch, PUT: Put, DELETE: Delete } as const;

/**
 * The partner REST routes, one per RPC, made from the `google.api.http` rules (the paths are
 * declared once, in the proto): real Nest routes, so the route inventory, the access matrix and
 * the Ingress see each of them.
 */
function partnerRestController(): Type {
  @Controller()
  @UseGuards(PartnerTokenGuard)
  @UseFilters(PartnerProblemFilter)
  class PartnerRestController {
    constructor(readonly rest: PartnerRest) {}
  }
  const proto = PartnerRestController.prototype as unknown as Record<string, unknown>;
  for (const b of restBindings) {
    const key = b.method.localName;
    proto[key] = function (this: PartnerRestController, req: PartnerRequest, res: Response) {
      return this.rest.handle(b, req, res);
    };
    const descriptor = Object.getOwnPropertyDescriptor(proto, key) as PropertyDescriptor;
    verbs[b.verb](b.expressPath)(proto, key, descriptor);
    Req()(proto, key, 0);
    Res()(proto, key, 1);
  }
  return PartnerRestController;
}

export const PartnerRestController = partnerRestController();
