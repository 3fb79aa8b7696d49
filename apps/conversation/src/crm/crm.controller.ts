import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req, UseGuards, type RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { Money } from '@textback/contracts';
import { AdminKeyGuard, RUNTIME, verifyTextbackWebhook, type ServiceRuntime } from '@textback/service-kit';
import { Inject } from '@nestjs/common';
import { ConversationError } from '../errors';
import { ThreadsService } from '../threads/threads.service';
import { CrmSyncService } from './crm-sync.service';

const Endpoint = z.strictObject({ url: z.url(), secret: z.string().min(16, 'must be at least 16 characters') });
const Booked = z.strictObject({ value: Money });

/** Operators configure a tenant's CRM webhook and read its delivery log. */
@Controller('v1/crm')
@UseGuards(AdminKeyGuard)
export class CrmAdminController {
  constructor(private readonly crm: CrmSyncService) {}

  @Put('endpoints/:tenantId')
  @HttpCode(204)
  async setEndpoint(@Param('tenantId') tenantId: string, @Body() body: unknown): Promise<void> {
    const r = Endpoint.safeParse(body);
    if (!r.success) throw new ConversationError('invalid-request', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    await this.crm.setEndpoint(tenantId, r.data.url, r.data.secret);
  }

  @Get('deliveries')
  deliveries(@Query('tenantId') tenantId?: string, @Query('status') status?: string) {
    if (!tenantId) throw new ConversationError('invalid-request', 'tenantId: required');
    return this.crm.deliveries(tenantId, status);
  }

  @Post('deliveries/:deliveryId/retry')
  async retry(@Param('deliveryId') deliveryId: string) {
    if (!(await this.crm.retry(deliveryId))) throw new ConversationError('not-found', `no dead delivery ${deliveryId}`);
    return { retrying: true };
  }
}

/** The CRM tells us a lead was booked, signed with the tenant's CRM secret. */
@Controller('v1/crm/leads')
export class CrmInboundController {
  constructor(
    private readonly crm: CrmSyncService,
    private readonly threads: ThreadsService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
  ) {}

  @Post(':leadId/booked')
  async booked(@Param('leadId') leadId: string, @Req() req: RawBodyRequest<Request>, @Headers('x-textback-signature') signature: string | undefined, @Body() body: unknown) {
    const rows: { tenant_id: string; thread_id: string }[] = await this.runtime.dataSource.query('SELECT tenant_id, thread_id FROM lead WHERE lead_id::text = $1', [leadId]);
    const lead = rows[0];
    const secret = lead ? await this.crm.secretOf(lead.tenant_id) : undefined;
    // Unknown lead and bad signature answer alike: nothing is revealed to an unsigned caller.
    const verdict = secret ? verifyTextbackWebhook(secret, req.rawBody ?? Buffer.alloc(0), signature, Math.floor(Date.now() / 1000)) : 'mismatch';
    if (!lead || verdict !== 'valid') throw new ConversationError('invalid-signature', `signature ${verdict}`);
    const r = Booked.safeParse(body);
    if (!r.success) throw new ConversationError('invalid-request', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const saved = await this.threads.book(lead.thread_id, r.data.value);
    return { leadId, status: saved.status };
  }
}
