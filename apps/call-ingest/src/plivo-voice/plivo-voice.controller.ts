import { Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { speakXml } from '@textback/carrier-plivo';
import {
  PlivoHook,
  PlivoSignatureGuard,
  Public,
  type SignedPlivoHook,
} from '@textback/service-kit';
import { PlivoVoiceService } from './plivo-voice.service';

/** Plivo's voice webhooks (configure the Plivo application with the URLs in the README). */
@Public('signed-webhook', 'Plivo calls it; its V3/V2 signature and nonce are checked')
@Controller('v1/plivo/voice')
@UseGuards(PlivoSignatureGuard)
export class PlivoVoiceController {
  constructor(private readonly voice: PlivoVoiceService) {}

  @Post('answer')
  @HttpCode(200)
  @Header('content-type', 'application/xml')
  answer(@PlivoHook('answer') hook: SignedPlivoHook<'answer'>): Promise<string> {
    return this.voice.answer(hook);
  }

  @Post('dial-action')
  @HttpCode(200)
  @Header('content-type', 'application/xml')
  dialAction(@PlivoHook('dialAction') hook: SignedPlivoHook<'dialAction'>): Promise<string> {
    return this.voice.dialAction(hook);
  }

  @Post('dial-events')
  @HttpCode(200)
  async dialEvents(
    @PlivoHook('dialEvent') hook: SignedPlivoHook<'dialEvent'>,
  ): Promise<{ received: true }> {
    await this.voice.dialEvent(hook);
    return { received: true };
  }

  @Post('hangup')
  @HttpCode(200)
  async hangup(@PlivoHook('hangup') hook: SignedPlivoHook<'hangup'>): Promise<{ received: true }> {
    await this.voice.hangup(hook);
    return { received: true };
  }

  /** Played to whoever picks up the business phone: a voicemail greeting cannot press 1. */
  @Post('screen')
  @HttpCode(200)
  @Header('content-type', 'application/xml')
  screen(): string {
    return speakXml('Missed-call line: press 1 to take this call.');
  }
}
