import { Controller, Inject, Injectable, type Provider, type Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { E164, EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { scopeOf, type Database, type TenantScope } from '@textback/persistence';
import { consentStateRepository as stored } from './consent-state.repository';

export type ConsentState = 'opted-in' | 'opted-out' | 'no-record';

/**
 * A service's copy of consent as compliance publishes it (`consent.changed.v1`): the latest
 * change per tenant and number wins. decision checks it before requesting a text and
 * sms-dispatch again just before the carrier call.
 */
@Injectable()
export class ConsentStates {
  constructor(private readonly db: Database) {}

  /** The latest change that covers texting `phoneNumber` from `channelNumber`: brand-wide or for that number. */
  async stateOf(
    scope: TenantScope,
    phoneNumber: E164,
    channelNumber: E164 | '' = '',
  ): Promise<ConsentState> {
    return (await stored.latest(this.db, scope, phoneNumber, channelNumber)) ?? 'no-record';
  }

  apply(event: EventEnvelope<'consent.changed.v1'>): Promise<void> {
    return stored.keepLatest(this.db, scopeOf(event), event.payload);
  }
}

@Controller()
export class ConsentChangedConsumer {
  constructor(@Inject(ConsentStates) private readonly states: ConsentStates) {}

  @OnEvent('consent.changed.v1')
  onConsentChanged(@Payload() event: EventEnvelope<'consent.changed.v1'>): Promise<void> {
    return this.states.apply(event);
  }
}

export function consentStateParts(db: Database): {
  controllers: Type[];
  providers: Provider[];
} {
  return {
    controllers: [ConsentChangedConsumer],
    providers: [{ provide: ConsentStates, useValue: new ConsentStates(db) }],
  };
}
