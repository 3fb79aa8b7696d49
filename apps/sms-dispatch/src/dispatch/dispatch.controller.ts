import { Controller, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import {
  PlivoHook,
  PlivoSignatureGuard,
  Public,
  PLIVO_MESSAGE_CALLBACK_RETRIES,
  Sheddable,
  type SignedPlivoHook,
} from '@textback/service-kit';
import { DeliveryReportsService } from './delivery-reports.service';
import { DispatchService } from './dispatch.service';

@Controller()
export class TextbackRequestedConsumer {
  constructor(private readonly dispatch: DispatchService) {}

  @OnEvent('textback.requested.v1')
  onTextbackRequested(@Payload() event: EventEnvelope<'textback.requested.v1'>): Promise<void> {
    return this.dispatch.enqueue(event);
  }

  @OnEvent('sms.reply-requested.v1')
  onReplyRequested(@Payload() event: EventEnvelope<'sms.reply-requested.v1'>): Promise<void> {
    return this.dispatch.enqueueReply(event);
  }

  @OnEvent('staff-text.requested.v1')
  onStaffTextRequested(@Payload() event: EventEnvelope<'staff-text.requested.v1'>): Promise<void> {
    return this.dispatch.enqueueStaffText(event);
  }
}

/** Plivo's delivery reports for the texts we sent (the `url` given at send time). */
@Public('signed-webhook', 'Plivo delivery reports; signature and nonce checked')
@Sheddable(PLIVO_MESSAGE_CALLBACK_RETRIES)
@Controller('v1/plivo/sms')
@UseGuards(PlivoSignatureGuard)
export class DeliveryReportsController {
  constructor(private readonly reports: DeliveryReportsService) {}

  @Post('status')
  @HttpCode(200)
  async status(
    @PlivoHook('deliveryReport') report: SignedPlivoHook<'deliveryReport'>,
    @Query('sendId') sendId?: string,
  ): Promise<{ received: true; duplicate: boolean }> {
    return { received: true, ...(await this.reports.receive(report, sendId)) };
  }
}
