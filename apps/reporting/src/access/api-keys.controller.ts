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
import { tenantScope } from '@textback/persistence';
import { NewApiKey, parseOr400, TenantQuery } from '../queries';
import { OperatorGuard } from './analyst.guard';
import { ApiKeysService } from './api-keys.service';

/** The operator issues and revokes analysts' keys, one tenant per key. */
@ApiTags('api keys')
@ApiBearerAuth()
@Controller('v1/reports/api-keys')
@UseGuards(OperatorGuard)
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
  create(@Body() body: unknown) {
    const b = parseOr400(NewApiKey, body);
    return this.keys.create(tenantScope(b.tenantId), b.name);
  }

  @Get()
  @ApiQuery({ name: 'tenantId', required: true })
  @ApiOkResponse({ description: 'The tenant’s keys, without secrets.' })
  list(@Query() query: Record<string, string>) {
    return this.keys.list(tenantScope(parseOr400(TenantQuery, query).tenantId));
  }

  @Delete(':keyId')
  @HttpCode(204)
  @ApiQuery({ name: 'tenantId', required: true, description: 'The tenant the key belongs to.' })
  @ApiNoContentResponse({ description: 'Revoked; the key stops working at once.' })
  async revoke(
    @Param('keyId') keyId: string,
    @Query() query: Record<string, string>,
  ): Promise<void> {
    await this.keys.revoke(tenantScope(parseOr400(TenantQuery, query).tenantId), keyId);
  }
}
