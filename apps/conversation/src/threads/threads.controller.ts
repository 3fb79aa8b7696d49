import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { Money, type EventEnvelope, type TenantId } from '@textback/contracts';
import type { TenantScope } from '@textback/persistence';
import { OnEvent } from '@textback/messaging';
import type { Access, Permission } from '@textback/auth';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  parseRequest,
  Requires,
  scopeFor,
  ZodPipe,
  requireKnownTenant,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { ConversationService } from './conversation.service';
import { InboxService } from './inbox.service';

@Controller()
export class ThreadEventsConsumer {
  constructor(private readonly threads: ConversationService) {}

  @OnEvent('sms.sent.v1')
  onSent(@Payload() e: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    return this.threads.onSent(e);
  }

  @OnEvent('sms.delivered.v1')
  onDelivered(@Payload() e: EventEnvelope<'sms.delivered.v1'>): Promise<void> {
    return this.threads.onDelivered(e);
  }

  @OnEvent('sms.failed.v1')
  onFailed(@Payload() e: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    return this.threads.onFailed(e);
  }

  @OnEvent('sms.received.v1')
  onReceived(@Payload() e: EventEnvelope<'sms.received.v1'>): Promise<void> {
    return this.threads.onReceived(e);
  }

  @OnEvent('consent.changed.v1')
  onConsentChanged(@Payload() e: EventEnvelope<'consent.changed.v1'>): Promise<void> {
    return this.threads.onConsentChanged(e);
  }
}

/** A reply the customer will read: not blank, at most 10 SMS parts. */
const Reply = z.strictObject({
  author: edge.name,
  text: z
    .string()
    .max(1600)
    .refine((t) => t.trim().length > 0, 'must not be blank'),
});
const Assign = z.strictObject({ assignee: edge.name });
/** A booking's value: never negative (the revenue report adds it up). */
const Book = z.strictObject({
  value: Money.refine((m) => m.amountMinor >= 0, {
    message: 'must not be negative',
    path: ['amountMinor'],
  }).optional(),
});
const Close = z.strictObject({ outcome: z.literal('lost').optional() });
const ThreadsQuery = z.strictObject({
  tenantId: edge.tenantId,
  locationId: edge.locationId.optional(),
  status: z.enum(['open', 'closed']).optional(),
  urgent: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
const ResponseTimesQuery = z.strictObject({
  tenantId: edge.tenantId,
  since: edge.date.optional(),
});
/** Every thread route names its tenant: the credential decides which tenants it may name. */
const TenantQuery = z.strictObject({ tenantId: edge.tenantId });
const threadId = new ZodPipe(edge.uuid, 'threadId');
const tenantQuery = new ZodPipe(TenantQuery);

/** The operator inbox API: threads by tenant/location/status/urgency, read, reply, assign, close, book. */
@Controller('v1/inbox')
@UseGuards(AccessGuard)
export class InboxController {
  constructor(
    private readonly threads: InboxService,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  @Get('threads')
  @Requires('inbox:read')
  list(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(ThreadsQuery)) q: z.infer<typeof ThreadsQuery>,
  ) {
    return this.threads.list(this.scope(access, 'inbox:read', q), {
      ...(q.locationId ? { locationId: q.locationId } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.urgent !== undefined ? { urgent: q.urgent } : {}),
    });
  }

  @Get('threads/:threadId')
  @Requires('inbox:read')
  get(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
  ) {
    return this.threads.get(this.scope(access, 'inbox:read', q), id);
  }

  @Post('threads/:threadId/reply')
  @HttpCode(202)
  @Requires('inbox:write')
  reply(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Reply)) r: z.infer<typeof Reply>,
  ) {
    return this.threads.reply(this.scope(access, 'inbox:write', q), id, r.author, r.text.trim());
  }

  @Post('threads/:threadId/assign')
  @HttpCode(204)
  @Requires('inbox:write')
  assign(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Assign)) a: z.infer<typeof Assign>,
  ) {
    return this.threads.assign(this.scope(access, 'inbox:write', q), id, a.assignee);
  }

  @Post('threads/:threadId/close')
  @HttpCode(204)
  @Requires('inbox:write')
  close(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body() body: unknown,
  ) {
    return this.threads.close(
      this.scope(access, 'inbox:write', q),
      id,
      parseRequest(Close, body ?? {}).outcome,
    );
  }

  /** Time to first human reply against the 5 / 15 / 60 minute targets. */
  @Get('response-times')
  @Requires('inbox:read')
  responseTimes(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(ResponseTimesQuery)) q: z.infer<typeof ResponseTimesQuery>,
  ) {
    // Default: the last 30 days.
    return this.threads.responseTimes(this.scope(access, 'inbox:read', q), q.since);
  }

  @Post('threads/:threadId/book')
  @Requires('inbox:write')
  book(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Book)) b: z.infer<typeof Book>,
  ) {
    return this.threads.book(this.scope(access, 'inbox:write', q), id, b.value);
  }

  /** The credential's scope within the tenant the request names (403 for another tenant). */
  private scope(access: Access, permission: Permission, q: { tenantId: TenantId }): TenantScope {
    const scope = scopeFor(access, permission, q.tenantId);
    requireKnownTenant(this.directory, q.tenantId);
    return scope;
  }
}
