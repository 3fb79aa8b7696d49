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
import { Money, type EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import {
  AdminKeyGuard,
  edge,
  parseRequest,
  ZodPipe,
  requireKnownTenant,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { ThreadsService } from './threads.service';

@Controller()
export class ThreadEventsConsumer {
  constructor(private readonly threads: ThreadsService) {}

  @OnEvent('sms.sent.v1')
  onSent(@Payload() e: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    return this.threads.onSent(e);
  }

  @OnEvent('sms.delivered.v1')
  onDelivered(@Payload() e: EventEnvelope<'sms.delivered.v1'>): Promise<void> {
    return this.threads.onDeliveryChange(e.payload.smsId, 'delivered');
  }

  @OnEvent('sms.failed.v1')
  onFailed(@Payload() e: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    return this.threads.onFailed(e.payload);
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
  tenantId: edge.slug,
  locationId: edge.slug.optional(),
  status: z.enum(['open', 'closed']).optional(),
  urgent: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
const ResponseTimesQuery = z.strictObject({ tenantId: edge.slug, since: edge.date.optional() });
const threadId = new ZodPipe(edge.uuid, 'threadId');

/** The operator inbox API: threads by tenant/location/status/urgency, read, reply, assign, close, book. */
@Controller('v1/inbox')
@UseGuards(AdminKeyGuard)
export class InboxController {
  constructor(
    private readonly threads: ThreadsService,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  @Get('threads')
  list(@Query(new ZodPipe(ThreadsQuery)) q: z.infer<typeof ThreadsQuery>) {
    requireKnownTenant(this.directory, q.tenantId);
    return this.threads.list({
      tenantId: q.tenantId,
      ...(q.locationId ? { locationId: q.locationId } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.urgent !== undefined ? { urgent: q.urgent } : {}),
    });
  }

  @Get('threads/:threadId')
  get(@Param('threadId', threadId) id: string) {
    return this.threads.get(id);
  }

  @Post('threads/:threadId/reply')
  @HttpCode(202)
  reply(
    @Param('threadId', threadId) id: string,
    @Body(new ZodPipe(Reply)) r: z.infer<typeof Reply>,
  ) {
    return this.threads.reply(id, r.author, r.text.trim());
  }

  @Post('threads/:threadId/assign')
  @HttpCode(204)
  assign(
    @Param('threadId', threadId) id: string,
    @Body(new ZodPipe(Assign)) a: z.infer<typeof Assign>,
  ) {
    return this.threads.assign(id, a.assignee);
  }

  @Post('threads/:threadId/close')
  @HttpCode(204)
  close(@Param('threadId', threadId) id: string, @Body() body: unknown) {
    return this.threads.close(id, parseRequest(Close, body ?? {}).outcome);
  }

  /** Time to first human reply against the 5 / 15 / 60 minute targets. */
  @Get('response-times')
  responseTimes(@Query(new ZodPipe(ResponseTimesQuery)) q: z.infer<typeof ResponseTimesQuery>) {
    requireKnownTenant(this.directory, q.tenantId);
    return this.threads.responseTimes(
      q.tenantId,
      q.since ?? new Date(Date.now() - 30 * 86_400_000),
    );
  }

  @Post('threads/:threadId/book')
  book(@Param('threadId', threadId) id: string, @Body(new ZodPipe(Book)) b: z.infer<typeof Book>) {
    return this.threads.book(id, b.value);
  }
}
