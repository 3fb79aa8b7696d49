import { Controller, HttpCode, Inject, Post, Req, type RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { receivePlivoWebhook, RUNTIME, type ServiceRuntime, Public } from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';
import { InboundSmsService } from './inbound-sms.service';

@Public('signed-webhook', 'Plivo inbound texts; signature and nonce checked')
@Controller('v1/plivo/sms')
export class InboundSmsController {
  constructor(
    private readonly inbound: InboundSmsService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
  ) {}

  @Post('inbound')
  @HttpCode(200)
  async receive(
    @Req() req: RawBodyRequest<Request>,
  ): Promise<{ received: true; duplicate: boolean }> {
    const hook = receivePlivoWebhook(req, this.runtime);
    if ('refused' in hook) throw new ConversationError('invalid-signature', hook.refused);
    return { received: true, ...(await this.inbound.receive(hook.params, hook.nonce)) };
  }
}
