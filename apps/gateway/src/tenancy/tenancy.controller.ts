import { Body, Controller, Get, Param, Put, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { authorizeLocation, AccessDeniedError, type Access, type Permission } from '@textback/auth';
import { LocationId, TenantId } from '@textback/contracts';
import {
  AccessGuard,
  CurrentAccess,
  ForbiddenError,
  Requires,
  scopeFor,
} from '@textback/service-kit';
import { TenancyService } from './tenancy.service';

/**
 * The tenancy admin API: the platform's administrators manage every tenant; a brand-admin its
 * own brand; a location manager its locations. A malformed id is left to the service's 400.
 */
@Controller('v1/admin/tenants')
@UseGuards(AccessGuard)
export class TenancyController {
  constructor(private readonly tenancy: TenancyService) {}

  @Get()
  @Requires('tenants:manage')
  listTenants() {
    return this.tenancy.listTenants();
  }

  @Put(':tenantId')
  @Requires('tenant:settings')
  async putTenant(
    @CurrentAccess() access: Access,
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    allowTenant(access, 'tenant:settings', tenantId);
    const result = await this.tenancy.putTenant(tenantId, body);
    res.status(result.created ? 201 : 200);
    return result;
  }

  @Get(':tenantId')
  @Requires('tenant:settings')
  getTenant(@CurrentAccess() access: Access, @Param('tenantId') tenantId: string) {
    allowTenant(access, 'tenant:settings', tenantId);
    return this.tenancy.getTenant(tenantId);
  }

  @Get(':tenantId/locations')
  @Requires('tenant:settings')
  listLocations(@CurrentAccess() access: Access, @Param('tenantId') tenantId: string) {
    allowTenant(access, 'tenant:settings', tenantId);
    return this.tenancy.listLocations(tenantId);
  }

  @Put(':tenantId/locations/:locationId')
  @Requires('locations:write')
  async putLocation(
    @CurrentAccess() access: Access,
    @Param('tenantId') tenantId: string,
    @Param('locationId') locationId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    allowLocation(access, tenantId, locationId);
    const result = await this.tenancy.putLocation(tenantId, locationId, body);
    res.status(result.created ? 201 : 200);
    return result;
  }

  @Get(':tenantId/locations/:locationId')
  @Requires('locations:write')
  getLocation(
    @CurrentAccess() access: Access,
    @Param('tenantId') tenantId: string,
    @Param('locationId') locationId: string,
  ) {
    allowLocation(access, tenantId, locationId);
    return this.tenancy.getLocation(tenantId, locationId);
  }
}

function allowTenant(access: Access, permission: Permission, tenantId: string): void {
  const id = TenantId.safeParse(tenantId);
  if (id.success) scopeFor(access, permission, id.data);
}

function allowLocation(access: Access, tenantId: string, locationId: string): void {
  const tenant = TenantId.safeParse(tenantId);
  const location = LocationId.safeParse(locationId);
  if (!tenant.success || !location.success) return;
  try {
    authorizeLocation(access, 'locations:write', tenant.data, location.data);
  } catch (err) {
    if (err instanceof AccessDeniedError) throw new ForbiddenError('forbidden', err.message);
    throw err;
  }
}
