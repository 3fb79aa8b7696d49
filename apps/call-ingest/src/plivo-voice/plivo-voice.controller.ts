import {
  Controller,
  Header,
  HttpCode,
  Inject,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import type { PlivoWebhook } from '@textback/carrier-plivo';
import { receivePlivoWebhook, RUNTIME, type ServiceRuntime, Public } from '@textback/service-kit';
import type { CallIngestConfig } from '../config';
import { CallIngestError } from '../errors';
import { PlivoVoiceService } from './plivo-voice.service';

/** Plivo's voice webhooks (configure the Plivo application with the URLs in the README). */
@Public('signed-webhook', 'Plivo calls it; its V3/V2 signature and nonce are checked')
@Controller('v1/plivo/voice')
export class PlivoVoiceController {
  constructor(
    private readonly voice: PlivoVoiceService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<CallIngestConfig>,
  ) {}

  @Post('answer')
  @HttpCode(200)
  @Header('content-type', 'application/xml')
  answer(@Req() req: RawBodyRequest<Request>): Promise<string> {
    const hook = this.verified(req);
    return this.voice.answer(hook.params, hook.nonce);
  }

  @Post('dial-action')
  @HttpCode(200)
  @Header('content-type', 'application/xml')
  dialAction(@Req() req: RawBodyRequest<Request>): Promise<string> {
    const hook = this.verified(req);
    return this.voice.dialAction(hook.params, hook.nonce);
  }

  @Post('dial-events')
  @HttpCode(200)
  async dialEvents(@Req() req: RawBodyRequest<Request>): Promise<{ received: true }> {
    const hook = this.verified(req);
    await this.voice.dialEvent(hook.params, hook.nonce);
    return { received: true };
  }

  @Post('hangup')
  @HttpCode(200)
  async hangup(@Req() req: RawBodyRequest<Request>): Promise<{ received: true }> {
    const hook = this.verified(req);
    await this.voice.hangup(hook.params, hook.nonce);
    return { received: true };
  }

  /** Played to whoever picks up the business phone: a voicemail greeting cannot press 1. */
  @Post('screen')
  @HttpCode(200)
  @Header('content-type', 'application/xml')
  screen(@Req() req: RawBodyRequest<Request>): string {
    this.verified(req);
    return '<Response><Speak>Missed-call line: press 1 to take this call.</Speak></Response>';
  }

  private verified(req: RawBodyRequest<Request>): PlivoWebhook {
    const hook = receivePlivoWebhook(req, this.runtime);
    if ('refused' in hook) throw new CallIngestError('invalid-signature', hook.refused);
    return hook;
  }
}
