import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  ConsentChecksV1,
  SmsReceivedV1,
  type ConsentCheckResultsV1,
  type ConsentInboundReadingV1,
  type EventEnvelope,
} from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { ServiceKeyGuard, ZodPipe } from '@textback/service-kit';
import { ConsentLedgerService } from './consent-ledger.service';
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
  async readInbound(
    @Body(new ZodPipe(SmsReceivedV1)) message: SmsReceivedV1,
  ): Promise<ConsentInboundReadingV1> {
    return { reading: await this.inbound.readInbound(message) };
  }

  /** Many checks in one request, answered in order from one read of the ledger. */
  @Post('checks')
  @HttpCode(200)
  async checkMany(
    @Body(new ZodPipe(ConsentChecksV1)) { checks }: ConsentChecksV1,
  ): Promise<ConsentCheckResultsV1> {
    const states = await this.ledger.currentStates(checks);
    return { results: states.map((state) => ({ state, mayText: state !== 'opted-out' })) };
  }
}
