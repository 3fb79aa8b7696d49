import { Controller, HttpCode, Inject, Post, Req, type RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { isRejection, readPlivoPost } from '@textback/carrier-plivo';
import { RUNTIME, webhookSignatureFailures, type ServiceRuntime } from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';
import { InboundSmsService } from './inbound-sms.service';

@Controller('v1/plivo/sms')
export class InboundSmsController {
  constructor(
    private readonly inbound: InboundSmsService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
  ) {}

  @Post('inbound')
  @HttpCode(200)
  async receive(@Req() req: RawBodyRequest<Request>): Promise<{ received: true; duplicate: boolean }> {
    const c = this.runtime.config;
    const hook = readPlivoPost(req, { publicBaseUrl: c.PUBLIC_BASE_URL ?? this.runtime.listeningUrl ?? '', authToken: c.PLIVO_AUTH_TOKEN, mainAccountToken: c.PLIVO_MAIN_ACCOUNT_TOKEN });
    if (isRejection(hook)) {
      webhookSignatureFailures(this.runtime.registry, this.runtime.service).inc({ route: req.path });
      throw new ConversationError('invalid-signature', hook.reason);
    }
    return { received: true, ...(await this.inbound.receive(hook.params, hook.nonce)) };
  }
}
