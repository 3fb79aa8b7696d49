import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import type { Response } from 'express';
import { z } from 'zod';
import type { Access } from '@textback/auth';
import {
  AccessGuard,
  Audited,
  CurrentAccess,
  edge,
  Requires,
  csvSafe,
  scopeFor,
  ZodPipe,
} from '@textback/service-kit';
import { AuditService } from './audit.service';

const AuditQuery = z.strictObject({
  from: edge.date,
  to: edge.date,
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
  format: z.enum(['json', 'csv']).default('json'),
});

/** A brand's audit log: who did what, to which resource, when, from where, and how it ended. */
@Controller('v1/admin/tenants/:tenantId/audit')
@UseGuards(AccessGuard)
@Requires('tenant:settings')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Audited('reading the audit log is itself recorded')
  async entries(
    @CurrentAccess() access: Access,
    @Param('tenantId', new ZodPipe(edge.tenantId, 'tenantId'))
    tenantId: z.infer<typeof edge.tenantId>,
    @Query(new ZodPipe(AuditQuery)) q: z.infer<typeof AuditQuery>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const rows = await this.audit.entries(scopeFor(access, 'tenant:settings', tenantId), q);
    const view = rows.map((r) => ({
      at: r.at.toISOString(),
      actorKind: r.actorKind,
      actor: r.actorSubject,
      action: r.action,
      resource: r.resource,
      outcome: r.outcome,
      address: r.address,
      service: r.service,
      auditId: r.auditId,
    }));
    if (q.format === 'json') return view;
    res.type('text/csv').attachment(`audit-${tenantId}.csv`);
    return stringify(
      view.map((r) => csvSafe(r, ['actor', 'action', 'resource'])),
      { header: true, columns: Object.keys(view[0] ?? { at: '' }) },
    );
  }
}
