import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { scopeOf } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { teamRepository as team } from './team.repository';

/** The brand's team, kept from the gateway's announcements (who may be assigned, whose name). */
@Controller()
export class TeamConsumer {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  @OnEvent('member.changed.v1')
  async onMemberChanged(@Payload() e: EventEnvelope<'member.changed.v1'>): Promise<void> {
    await team.keepNewest(this.runtime.db, scopeOf(e), e.payload);
  }
}
