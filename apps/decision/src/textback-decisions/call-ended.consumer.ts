import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { TextbackDecisionsService } from './textback-decisions.service';

@Controller()
export class CallEndedConsumer {
  constructor(private readonly decisions: TextbackDecisionsService) {}

  @OnEvent('call.ended.v1')
  onCallEnded(@Payload() event: EventEnvelope<'call.ended.v1'>): Promise<void> {
    return this.decisions.decide(event);
  }
}
