import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { maskPhone } from '@textback/contracts';
import { z } from 'zod';
import type { Access } from '@textback/auth';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  Requires,
  scopeFor,
  requireKnownTenant,
  RUNTIME,
  ZodPipe,
  type ServiceRuntime,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { DecisionError } from '../errors';
import { textbackDecisionRepository as decisions } from './textback-decision.repository';

const CallId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -');
const TenantQuery = z.strictObject({ tenantId: edge.tenantId });

/** "Why did / didn't this caller get a text?" for one call (internal; partners go through the gateway). */
@Controller('v1/decisions')
@UseGuards(AccessGuard)
@Requires('decisions:read')
export class DecisionsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  @Get(':callId')
  async byCall(
    @CurrentAccess() access: Access,
    @Param('callId', new ZodPipe(CallId, 'callId')) callId: string,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
  ) {
    const scope = scopeFor(access, 'decisions:read', q.tenantId);
    requireKnownTenant(this.directory, q.tenantId);
    const d = await decisions.byCall(this.runtime.db, scope, callId);
    if (!d) throw new DecisionError('not-found', `no decision for call ${callId} (yet)`);
    return { ...d, callerNumber: undefined, caller: maskPhone(d.callerNumber) };
  }
}
