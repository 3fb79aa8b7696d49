import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { systemScope, type SystemScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { staffTextConsentRepository as staffConsent } from '@textback/consent';

/** Keeps sms-dispatch's copy of staff phones' STOP and START, checked before every staff text. */
@Controller()
export class StaffConsentConsumer {
  /** Staff consent belongs to the platform's number, not to a brand. */
  private readonly platform: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.platform = systemScope(
      'sms-dispatch: staff phones texting the platform number',
      runtime.logger,
    );
  }

  @OnEvent('staff-consent.changed.v1')
  async onChanged(@Payload() e: EventEnvelope<'staff-consent.changed.v1'>): Promise<void> {
    await staffConsent.record(this.runtime.db, this.platform, {
      phone: e.payload.phone,
      optedOut: e.payload.state === 'opted-out',
      changedAt: e.payload.changedAt,
    });
  }
}
