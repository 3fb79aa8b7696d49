import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { permissions, type Access } from '@textback/auth';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  Requires,
  scopeFor,
  ZodPipe,
} from '@textback/service-kit';
import { ApiKeysService } from './api-keys.service';

export const NewApiKey = z.strictObject({
  name: edge.name,
  permissions: z.array(z.enum(permissions)).min(1).max(permissions.length),
  locationIds: z.array(edge.locationId).min(1).max(500).optional(),
  expiresAt: edge.date.optional(),
});
const tenantParam = new ZodPipe(edge.tenantId, 'tenantId');

/** A brand's API keys: issued with scopes (shown once), listed without secrets, revoked. */
@Controller('v1/admin/tenants/:tenantId/api-keys')
@UseGuards(AccessGuard)
@Requires('tenant:settings')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  issue(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: z.infer<typeof edge.tenantId>,
    @Body(new ZodPipe(NewApiKey)) body: z.infer<typeof NewApiKey>,
  ) {
    return this.keys.issue(scopeFor(access, 'tenant:settings', tenantId), access, body);
  }

  @Get()
  list(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: z.infer<typeof edge.tenantId>,
  ) {
    return this.keys.list(scopeFor(access, 'tenant:settings', tenantId));
  }

  @Delete(':keyId')
  @HttpCode(204)
  async revoke(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: z.infer<typeof edge.tenantId>,
    @Param('keyId', new ZodPipe(z.string().regex(/^[a-f0-9]{16}$/, 'not a key id'), 'keyId'))
    keyId: string,
  ): Promise<void> {
    await this.keys.revoke(scopeFor(access, 'tenant:settings', tenantId), keyId);
  }
}
