import { Body, Controller, Get, Inject, Param, Put, Res, UseGuards, type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { TenancyService } from './tenancy.service';

/** The admin API is for operators: a bearer key, compared in constant time. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const given = Buffer.from(header.replace(/^Bearer /, ''));
    const expected = Buffer.from(this.config.ADMIN_API_KEY);
    if (!header.startsWith('Bearer ') || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new GatewayError('unauthorized', 'admin API key missing or wrong (Authorization: Bearer <ADMIN_API_KEY>)');
    }
    return true;
  }
}

@Controller('v1/admin/tenants')
@UseGuards(AdminKeyGuard)
export class TenancyController {
  constructor(private readonly tenancy: TenancyService) {}

  @Put(':tenantId')
  async putTenant(@Param('tenantId') tenantId: string, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
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
