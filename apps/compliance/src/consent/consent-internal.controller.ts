import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { SmsReceivedV1, type EventEnvelope, type TenantId } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { tenantScope } from '@textback/persistence';
import { ServiceKeyGuard, ZodPipe } from '@textback/service-kit';
import { ConsentLedgerService } from './consent-ledger.service';
import { e164, phoneParam, StateQuery, tenantIdParam } from './consent.controller';
import { InboundConsentService } from './inbound-consent.service';

@Controller()
export class ConsentEventsConsumer {
  constructor(private readonly inbound: InboundConsentService) {}

  @OnEvent('sms.received.v1')
  onText(@Payload() event: EventEnvelope<'sms.received.v1'>): Promise<void> {
    return this.inbound.onText(event);
  }

  @OnEvent('sms.failed.v1')
  onSendFailed(@Payload() event: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    return this.inbound.onSendFailed(event);
  }
}

/**
 * "May we text this number now?" for sms-dispatch, answered from the ledger itself (not a copy),
 * just before the carrier call.
 */
@Controller('internal/v1/consent')
@UseGuards(ServiceKeyGuard)
export class ConsentCheckController {
  constructor(
    private readonly ledger: ConsentLedgerService,
    private readonly inbound: InboundConsentService,
  ) {}

  /**
   * conversation hands over an inbound text before acknowledging it to the carrier, so a STOP
   * the platform acknowledged is in the ledger before any later consent check (docs/decisions/0001-stop-recorded-before-acknowledged.md).
   */
  @Post('inbound')
  @HttpCode(200)
  async readInbound(@Body(new ZodPipe(SmsReceivedV1)) message: SmsReceivedV1) {
    return { reading: await this.inbound.readInbound(message) };
  }

  @Get(':tenantId/:phone')
  async check(
    @Param('tenantId', tenantIdParam) tenantId: TenantId,
    @Param('phone', phoneParam) phone: string,
    @Query(new ZodPipe(StateQuery)) { channel }: z.infer<typeof StateQuery>,
  ) {
    const state = await this.ledger.currentState(
      tenantScope(tenantId),
      e164(phone, 'phone'),
      channel ? e164(channel, 'channel') : undefined,
    );
    return { state, mayText: state !== 'opted-out' };
  }
}
