import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  PlivoHook,
  PlivoSignatureGuard,
  Public,
  PLIVO_MESSAGE_CALLBACK_RETRIES,
  Sheddable,
  type SignedPlivoHook,
} from '@textback/service-kit';
import { InboundSmsService } from './inbound-sms.service';

@Public('signed-webhook', 'Plivo inbound texts; signature and nonce checked')
@Sheddable(PLIVO_MESSAGE_CALLBACK_RETRIES)
@Controller('v1/plivo/sms')
@UseGuards(PlivoSignatureGuard)
export class InboundSmsController {
  constructor(private readonly inbound: InboundSmsService) {}

  @Post('inbound')
  @HttpCode(200)
  async receive(
    @PlivoHook('inboundSms') text: SignedPlivoHook<'inboundSms'>,
  ): Promise<{ received: true; duplicate: boolean }> {
    return { received: true, ...(await this.inbound.receive(text)) };
  }
}
