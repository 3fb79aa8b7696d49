import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { Access } from '@textback/auth';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  Requires,
  RUNTIME,
  scopeFor,
  ZodPipe,
  type ServiceRuntime,
} from '@textback/service-kit';
import { partnerRepository } from './partner.repository';

const UsageQuery = z.strictObject({ since: edge.date.optional() });

/** What each partner client did on a brand's behalf, per day and method (calls, refused, failed). */
@Controller('v1/admin/tenants/:tenantId/partner-usage')
@UseGuards(AccessGuard)
@Requires('tenant:settings')
export class PartnerUsageController {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  @Get()
  async usage(
    @CurrentAccess() access: Access,
    @Param('tenantId', new ZodPipe(edge.tenantId, 'tenantId'))
    tenantId: z.infer<typeof edge.tenantId>,
    @Query(new ZodPipe(UsageQuery)) q: z.infer<typeof UsageQuery>,
  ) {
    const scope = scopeFor(access, 'tenant:settings', tenantId);
    // Default: the last 30 days.
    const from = q.since ?? new Date(this.runtime.clock.now().getTime() - 30 * 86_400_000);
    const since = from.toISOString().slice(0, 10);
    return { since, usage: await partnerRepository.usage(this.runtime.db, scope, since) };
  }
}
