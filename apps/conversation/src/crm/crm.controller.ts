import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  UseGuards,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import type { Access } from '@textback/auth';
import { Money, type TenantId } from '@textback/contracts';
import { systemScope, tenantScope, type SystemScope } from '@textback/persistence';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  Requires,
  scopeFor,
  parseRequest,
  RUNTIME,
  verifyTextbackWebhook,
  ZodPipe,
  type ServiceRuntime,
  Public,
  requireKnownTenant,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { Inject } from '@nestjs/common';
import { ConversationError } from '../errors';
import { LeadActions } from '../threads/lead-actions';
import { leadRepository } from '../threads/leads.repository';
import { CrmSyncService } from './crm-sync.service';

const Endpoint = z.strictObject({
  url: z.string().max(2000),
  secret: z.string().min(16, 'must be at least 16 characters').max(200),
});
const Booked = z.strictObject({
  value: Money.refine((m) => m.amountMinor >= 0, {
    message: 'must not be negative',
    path: ['amountMinor'],
  }),
});
const DeliveriesQuery = z.strictObject({
  tenantId: edge.tenantId,
  status: z.enum(['pending', 'delivered', 'dead']).optional(),
});
const TenantQuery = z.strictObject({ tenantId: edge.tenantId });

/** Operators configure a tenant's CRM webhook and read its delivery log. */
@Controller('v1/crm')
@UseGuards(AccessGuard)
@Requires('crm:manage')
export class CrmAdminController {
  constructor(
    private readonly crm: CrmSyncService,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  @Put('endpoints/:tenantId')
  @HttpCode(204)
  async setEndpoint(
    @CurrentAccess() access: Access,
    @Param('tenantId', new ZodPipe(edge.tenantId, 'tenantId')) tenantId: TenantId,
    @Body(new ZodPipe(Endpoint)) e: z.infer<typeof Endpoint>,
  ): Promise<void> {
    const scope = scopeFor(access, 'crm:manage', tenantId);
    requireKnownTenant(this.directory, tenantId);
    await this.crm.setEndpoint(scope, e.url, e.secret);
  }

  @Get('deliveries')
  deliveries(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(DeliveriesQuery)) q: z.infer<typeof DeliveriesQuery>,
  ) {
    const scope = scopeFor(access, 'crm:manage', q.tenantId);
    requireKnownTenant(this.directory, q.tenantId);
    return this.crm.deliveries(scope, q.status);
  }

  @Post('deliveries/:deliveryId/retry')
  async retry(
    @CurrentAccess() access: Access,
    @Param('deliveryId', new ZodPipe(edge.uuid, 'deliveryId')) deliveryId: string,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
  ) {
    const scope = scopeFor(access, 'crm:manage', q.tenantId);
    requireKnownTenant(this.directory, q.tenantId);
    if (!(await this.crm.retry(scope, deliveryId)))
      throw new ConversationError('not-found', `no dead delivery ${deliveryId}`);
    return { retrying: true };
  }
}

/** The CRM tells us a lead was booked, signed with the tenant's CRM secret. */
@Public('signed-webhook', 'the tenant CRM calls it, signed with the tenant CRM secret')
@Controller('v1/crm/leads')
export class CrmInboundController {
  /** The lead id names its tenant; that tenant's secret then decides whether to believe the call. */
  private readonly leadOwners: SystemScope;

  constructor(
    private readonly crm: CrmSyncService,
    private readonly leads: LeadActions,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
  ) {
    this.leadOwners = systemScope(
      'conversation: CRM booking webhooks find their lead',
      runtime.logger,
    );
  }

  @Post(':leadId/booked')
  async booked(
    @Param('leadId', new ZodPipe(edge.uuid, 'leadId')) leadId: string,
    @Req() req: RawBodyRequest<Request>,
    @Headers('x-textback-signature') signature: string | undefined,
    @Body() body: unknown,
  ) {
    const lead = await leadRepository.ownerOf(this.runtime.db, this.leadOwners, leadId);
    const scope = lead ? tenantScope(lead.tenantId) : undefined;
    const secret = scope ? await this.crm.secretOf(scope) : undefined;
    // Unknown lead and bad signature answer alike: nothing is revealed to an unsigned caller.
    const verdict = secret
      ? verifyTextbackWebhook(
          secret,
          req.rawBody ?? Buffer.alloc(0),
          signature,
          Math.floor(this.runtime.clock.now().getTime() / 1000),
        )
      : 'mismatch';
    if (!lead || !scope || verdict !== 'valid')
      throw new ConversationError('invalid-signature', `signature ${verdict}`);
    const saved = await this.leads.book(scope, lead.threadId, parseRequest(Booked, body).value);
    return { leadId, status: saved.status };
  }
}
