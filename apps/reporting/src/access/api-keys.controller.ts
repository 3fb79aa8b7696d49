import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Access } from '@textback/auth';
import { AccessGuard, CurrentAccess, Requires, scopeFor } from '@textback/service-kit';
import { NewApiKey, parseOr400, TenantQuery } from '../queries';
import { ApiKeysService } from './api-keys.service';

/**
 * A brand's analyst keys (`tbk_…`), one tenant per key. New machine credentials are the gateway's
 * API keys (`txk_…` with `reports:read`); these keep working and are listed and revoked here.
 */
@ApiTags('api keys')
@ApiBearerAuth()
@Controller('v1/reports/api-keys')
@UseGuards(AccessGuard)
@Requires('tenant:settings')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiBody({
    schema: {
      type: 'object',
      required: ['tenantId', 'name'],
      properties: {
        tenantId: { type: 'string' },
        name: { type: 'string', description: 'Who or what uses it.' },
      },
    },
  })
  @ApiCreatedResponse({ description: 'The key, shown this once (`key`), and its id.' })
  create(@CurrentAccess() access: Access, @Body() body: unknown) {
    const b = parseOr400(NewApiKey, body);
    return this.keys.create(scopeFor(access, 'tenant:settings', b.tenantId), b.name);
  }

  @Get()
  @ApiQuery({ name: 'tenantId', required: true })
  @ApiOkResponse({ description: 'The tenant’s keys, without secrets.' })
  list(@CurrentAccess() access: Access, @Query() query: Record<string, string>) {
    const { tenantId } = parseOr400(TenantQuery, query);
    return this.keys.list(scopeFor(access, 'tenant:settings', tenantId));
  }

  @Delete(':keyId')
  @HttpCode(204)
  @ApiQuery({ name: 'tenantId', required: true, description: 'The tenant the key belongs to.' })
  @ApiNoContentResponse({ description: 'Revoked; the key stops working at once.' })
  async revoke(
    @CurrentAccess() access: Access,
    @Param('keyId') keyId: string,
    @Query() query: Record<string, string>,
  ): Promise<void> {
    const { tenantId } = parseOr400(TenantQuery, query);
    await this.keys.revoke(scopeFor(access, 'tenant:settings', tenantId), keyId);
  }
}
