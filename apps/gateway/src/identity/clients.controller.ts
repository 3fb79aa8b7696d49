import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { partnerScopeNames, type Access } from '@textback/auth';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  Requires,
  scopeFor,
  ZodPipe,
} from '@textback/service-kit';
import { ClientsService } from './clients.service';

const scopes = z.array(z.enum(partnerScopeNames)).min(1).max(partnerScopeNames.length);
export const NewClient = z.strictObject({ name: edge.name, scopes });
export const NewGrant = z.strictObject({
  clientId: z.string().regex(/^txc_[a-f0-9]{16}$/, 'not a client id'),
  scopes,
  locationIds: z.array(edge.locationId).min(1).max(500).optional(),
});
const tenantParam = new ZodPipe(edge.tenantId, 'tenantId');
const clientIdParam = new ZodPipe(
  z.string().regex(/^txc_[a-f0-9]{16}$/, 'not a client id'),
  'clientId',
);
type TenantParam = z.infer<typeof edge.tenantId>;

/** Partner clients are registered by the platform (the secret is shown once). */
@Controller('v1/admin/clients')
@UseGuards(AccessGuard)
@Requires('tenants:manage')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Post()
  create(
    @CurrentAccess() access: Access,
    @Body(new ZodPipe(NewClient)) body: z.infer<typeof NewClient>,
  ) {
    return this.clients.create(access, body);
  }

  @Get()
  list() {
    return this.clients.list();
  }

  @Delete(':clientId')
  @HttpCode(204)
  async revoke(@Param('clientId', clientIdParam) clientId: string): Promise<void> {
    await this.clients.revoke(clientId);
  }
}

/** A brand lets partner clients in, with scopes and optionally some locations, and takes it back. */
@Controller('v1/admin/tenants/:tenantId/grants')
@UseGuards(AccessGuard)
@Requires('tenant:settings')
export class GrantsController {
  constructor(private readonly clients: ClientsService) {}

  @Post()
  grant(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: TenantParam,
    @Body(new ZodPipe(NewGrant)) body: z.infer<typeof NewGrant>,
  ) {
    return this.clients.grant(scopeFor(access, 'tenant:settings', tenantId), access, body);
  }

  @Get()
  list(@CurrentAccess() access: Access, @Param('tenantId', tenantParam) tenantId: TenantParam) {
    return this.clients.grants(scopeFor(access, 'tenant:settings', tenantId));
  }

  @Delete(':clientId')
  @HttpCode(204)
  async revoke(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: TenantParam,
    @Param('clientId', clientIdParam) clientId: string,
  ): Promise<void> {
    await this.clients.revokeGrant(scopeFor(access, 'tenant:settings', tenantId), clientId);
  }
}
