import { Controller, HttpCode, Inject, Post, Query, Req, type RawBodyRequest } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { Request } from 'express';
import { isRejection, readPlivoPost } from '@textback/carrier-plivo';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { RUNTIME, webhookSignatureFailures, type ServiceRuntime } from '@textback/service-kit';
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
@Controller('v1/plivo/sms')
export class DeliveryReportsController {
  constructor(
    private readonly reports: DeliveryReportsService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>,
  ) {}

  @Post('status')
  @HttpCode(200)
  async status(@Req() req: RawBodyRequest<Request>, @Query('sendId') sendId?: string): Promise<{ received: true; duplicate: boolean }> {
    const c = this.runtime.config;
    const hook = readPlivoPost(req, {
      publicBaseUrl: c.PUBLIC_BASE_URL ?? this.runtime.listeningUrl ?? '',
      authToken: c.PLIVO_AUTH_TOKEN,
      mainAccountToken: c.PLIVO_MAIN_ACCOUNT_TOKEN,
    });
    if (isRejection(hook)) {
      webhookSignatureFailures(this.runtime.registry, this.runtime.service).inc({ route: req.path });
      throw new SmsDispatchError('invalid-signature', hook.reason);
    }
    return { received: true, ...(await this.reports.receive(hook.params, sendId, hook.nonce)) };
  }
}
