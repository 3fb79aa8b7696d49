import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@textback/contracts';
import { scopeOf } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { threadMessageRepository as messages } from './thread-messages.repository';
import { threadRepository as threads } from './threads.repository';

/** What the pipeline reports after the fact: delivery of texts, and customers' consent. */
@Injectable()
export class ThreadStatusService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  onDelivered(event: EventEnvelope<'sms.delivered.v1'>): Promise<void> {
    return messages.delivered(this.runtime.db, scopeOf(event), event.payload.smsId, 'delivered');
  }

  /** A text that failed or was never sent (opted out, refused): its message says so, with the reason. */
  onFailed(event: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    const f = event.payload;
    return messages.failed(this.runtime.db, scopeOf(event), {
      smsId: f.smsId,
      requestId: f.sourceId,
      reason: f.reason,
    });
  }

  /**
   * An opt-out ends automation in that customer's threads and marks them for the inbox (the
   * brand's, or those of the number it was sent to); an opt-in lifts the mark. Compliance still
   * decides every send: this is what operators see before typing.
   */
  async onConsentChanged(event: EventEnvelope<'consent.changed.v1'>): Promise<void> {
    const c = event.payload;
    const perNumber = c.scope === 'number' && c.channelNumber;
    const location = perNumber ? this.directory.locationOfNumber(c.channelNumber ?? '') : undefined;
    await threads.consentChanged(this.runtime.db, scopeOf(event), {
      customerNumber: c.phoneNumber,
      optedOut: c.state === 'opted-out',
      locationIds: perNumber ? [location?.locationId ?? ''] : null,
    });
  }
}
