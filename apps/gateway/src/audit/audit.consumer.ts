import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { AuditService } from './audit.service';

/** Every service's audit records, into the one log. */
@Controller()
export class AuditConsumer {
  constructor(private readonly audit: AuditService) {}

  @OnEvent('audit.recorded.v1')
  recorded(@Payload() e: EventEnvelope<'audit.recorded.v1'>) {
    return this.audit.append(e);
  }
}
