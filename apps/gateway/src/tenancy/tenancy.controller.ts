import { Body, Controller, Get, Param, Put, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AdminKeyGuard } from '@textback/service-kit';
import { TenancyService } from './tenancy.service';

@Controller('v1/admin/tenants')
@UseGuards(AdminKeyGuard)
export class TenancyController {
  constructor(private readonly tenancy: TenancyService) {}

  @Get()
  listTenants() {
    return this.tenancy.listTenants();
  }

  @Put(':tenantId')
  async putTenant(
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.tenancy.putTenant(tenantId, body);
    res.status(result.created ? 201 : 200);
    return result;
  }

  @Get(':tenantId')
  getTenant(@Param('tenantId') tenantId: string) {
    return this.tenancy.getTenant(tenantId);
  }

  @Get(':tenantId/locations')
  listLocations(@Param('tenantId') tenantId: string) {
    return this.tenancy.listLocations(tenantId);
  }

  @Put(':tenantId/locations/:locationId')
  async putLocation(
    @Param('tenantId') tenantId: string,
    @Param('locationId') locationId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.tenancy.putLocation(tenantId, locationId, body);
    res.status(result.created ? 201 : 200);
    return result;
  }

  @Get(':tenantId/locations/:locationId')
  getLocation(@Param('tenantId') tenantId: string, @Param('locationId') locationId: string) {
    return this.tenancy.getLocation(tenantId, locationId);
  }
}
