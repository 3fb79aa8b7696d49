import {
  Controller,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { Request } from 'express';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { receivePlivoWebhook, RUNTIME, type ServiceRuntime, Public } from '@textback/service-kit';
import type { SmsDispatchConfig } from '../config';
import { SmsDispatchError } from '../errors';
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
}

/** Plivo's delivery reports for the texts we sent (the `url` given at send time). */
@Public('signed-webhook', 'Plivo delivery reports; signature and nonce checked')
@Controller('v1/plivo/sms')
export class DeliveryReportsController {
  constructor(
    private readonly reports: DeliveryReportsService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>,
  ) {}

  @Post('status')
  @HttpCode(200)
  async status(
    @Req() req: RawBodyRequest<Request>,
    @Query('sendId') sendId?: string,
  ): Promise<{ received: true; duplicate: boolean }> {
    const hook = receivePlivoWebhook(req, this.runtime);
    if ('refused' in hook) throw new SmsDispatchError('invalid-signature', hook.refused);
    return { received: true, ...(await this.reports.receive(hook.params, sendId, hook.nonce)) };
  }
}
