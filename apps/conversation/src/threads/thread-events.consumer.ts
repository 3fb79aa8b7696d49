import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { ConversationService } from './conversation.service';
import { ThreadStatusService } from './thread-status.service';

/** What the pipeline tells conversation: texts sent, delivered, failed, received; consent changes. */
@Controller()
export class ThreadEventsConsumer {
  constructor(
    private readonly threads: ConversationService,
    private readonly status: ThreadStatusService,
  ) {}

  @OnEvent('sms.sent.v1')
  onSent(@Payload() e: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    return this.threads.onSent(e);
  }

  @OnEvent('sms.delivered.v1')
  onDelivered(@Payload() e: EventEnvelope<'sms.delivered.v1'>): Promise<void> {
    return this.status.onDelivered(e);
  }

  @OnEvent('sms.failed.v1')
  onFailed(@Payload() e: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    return this.status.onFailed(e);
  }

  @OnEvent('sms.received.v1')
  onReceived(@Payload() e: EventEnvelope<'sms.received.v1'>): Promise<void> {
    return this.threads.onReceived(e);
  }

  @OnEvent('consent.changed.v1')
  onConsentChanged(@Payload() e: EventEnvelope<'consent.changed.v1'>): Promise<void> {
    return this.status.onConsentChanged(e);
  }
}
