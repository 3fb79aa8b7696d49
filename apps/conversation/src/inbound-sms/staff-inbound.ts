import { Inject, Injectable } from '@nestjs/common';
import { maskPhone } from '@textback/contracts';
import { readConsentReply } from '@textback/domain';
import { addToOutbox, systemScope, webhookNonces, type SystemScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime, type SignedPlivoHook } from '@textback/service-kit';
import { staffTextConsentRepository as staffConsent } from '@textback/consent';
import { staffPhonesRepository as staffPhones } from '../alerts/staff-phones.repository';
import { ConversationError } from '../errors';

/**
 * Texts to the platform's own number come from staff (answering an alert, or STOP / START for
 * its texts), never from a brand's customer: they never open a customer thread. STOP and START
 * are recorded here and announced (`staff-consent.changed.v1`), so sms-dispatch checks them
 * before every staff text.
 */
@Injectable()
export class StaffInbound {
  /** The platform's number belongs to no brand. */
  private readonly platform: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.platform = systemScope('conversation: staff texting the platform number', runtime.logger);
  }

  async receive(hook: SignedPlivoHook<'inboundSms'>): Promise<{ duplicate: boolean }> {
    const consent = readConsentReply(hook.text, {
      currentlyOptedOut: false,
      carrierIntent: hook.intent,
    });
    const state =
      consent.kind === 'opt-out' ? 'opted-out' : consent.kind === 'opt-in' ? 'opted-in' : undefined;
    const changedAt = this.runtime.clock.now().toISOString();
    await this.runtime.transaction(async (tx) => {
      if (!(await webhookNonces.remember(tx, hook.nonce)))
        throw new ConversationError(
          'replayed',
          'this request was already received (nonce seen before)',
        );
      if (!state) return;
      await staffConsent.record(tx, this.platform, {
        phone: hook.from,
        optedOut: state === 'opted-out',
        changedAt,
      });
      await addToOutbox(tx, 'staff-consent.changed.v1', { phone: hook.from, state, changedAt });
    });
    const staff = await staffPhones.isStaffPhone(this.runtime.db, this.platform, hook.from);
    this.runtime.logger.info(
      { from: maskPhone(hook.from), staff, consent: state ?? 'none' },
      state
        ? `staff texts ${state === 'opted-out' ? 'stopped' : 'resumed'} for this phone`
        : staff
          ? "a staff member's reply to an alert: staff, not a customer thread"
          : 'a text to the platform number from a phone not on any team: kept out of every customer thread',
    );
    return { duplicate: false };
  }
}
