import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { Money, type EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { AdminKeyGuard } from '@textback/service-kit';
import { ConversationError } from '../errors';
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
    return this.threads.onDeliveryChange(e.payload.smsId, 'failed');
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

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const r = schema.safeParse(body);
  if (!r.success) throw new ConversationError('invalid-request', r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return r.data;
};
const Reply = z.strictObject({ author: z.string().min(1).max(120), text: z.string().min(1).max(1600) });
const Assign = z.strictObject({ assignee: z.string().min(1).max(120) });
const Book = z.strictObject({ value: Money.optional() });
const Close = z.strictObject({ outcome: z.literal('lost').optional() });

/** The operator inbox API: threads by tenant/location/status/urgency, read, reply, assign, close, book. */
@Controller('v1/inbox')
@UseGuards(AdminKeyGuard)
export class InboxController {
  constructor(private readonly threads: ThreadsService) {}

  @Get('threads')
  list(@Query('tenantId') tenantId?: string, @Query('locationId') locationId?: string, @Query('status') status?: string, @Query('urgent') urgent?: string) {
    if (!tenantId) throw new ConversationError('invalid-request', 'tenantId: required');
    return this.threads.list({ tenantId, ...(locationId ? { locationId } : {}), ...(status ? { status } : {}), ...(urgent ? { urgent: urgent === 'true' } : {}) });
  }

  @Get('threads/:threadId')
  get(@Param('threadId') threadId: string) {
    return this.threads.get(threadId);
  }

  @Post('threads/:threadId/reply')
  @HttpCode(202)
  reply(@Param('threadId') threadId: string, @Body() body: unknown) {
    const r = parse(Reply, body);
    return this.threads.reply(threadId, r.author, r.text);
  }

  @Post('threads/:threadId/assign')
  @HttpCode(204)
  assign(@Param('threadId') threadId: string, @Body() body: unknown) {
    return this.threads.assign(threadId, parse(Assign, body).assignee);
  }

  @Post('threads/:threadId/close')
  @HttpCode(204)
  close(@Param('threadId') threadId: string, @Body() body: unknown) {
    return this.threads.close(threadId, parse(Close, body ?? {}).outcome);
  }

  /** Time to first human reply against the 5 / 15 / 60 minute targets. */
  @Get('response-times')
  responseTimes(@Query('tenantId') tenantId?: string, @Query('since') since?: string) {
    if (!tenantId) throw new ConversationError('invalid-request', 'tenantId: required');
    const from = since ? new Date(since) : new Date(Date.now() - 30 * 86_400_000);
    if (Number.isNaN(from.getTime())) throw new ConversationError('invalid-request', 'since: must be an ISO date');
    return this.threads.responseTimes(tenantId, from);
  }

  @Post('threads/:threadId/book')
  book(@Param('threadId') threadId: string, @Body() body: unknown) {
    return this.threads.book(threadId, parse(Book, body).value);
  }
}
