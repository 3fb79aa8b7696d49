import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { maskPhone, type SmsReceivedV1 } from '@textback/contracts';
import { safeInboundText } from '@textback/domain';
import { addToOutbox, tenantScope, webhookNonces } from '@textback/persistence';
import {
  every,
  RUNTIME,
  type PeriodicTask,
  type ServiceRuntime,
  type SignedPlivoHook,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';
import { ComplianceClient } from './compliance.client';
import { inboundMessageRepository as inbound } from './inbound-message.repository';
import { StaffInbound } from './staff-inbound';

/** `sms.received.v1`'s limit on `text` (UTF-16 units, as carriers count a 10-part message). */
const MAX_EVENT_TEXT = 1600;

/** Inbound texts (Plivo message_url, plivo.md §4) → `sms.received.v1`, recorded before the 200. */
@Injectable()
export class InboundSmsService implements OnModuleInit, OnModuleDestroy {
  private purge: PeriodicTask | undefined;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly compliance: ComplianceClient,
    private readonly staff: StaffInbound,
  ) {}

  onModuleInit(): void {
    this.purge = every(this.runtime, 'purge-webhook-nonces', 600_000, () =>
      webhookNonces.forgetOlderThan(
        this.runtime.db,
        this.runtime.config.WEBHOOK_NONCE_WINDOW_HOURS,
      ),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.purge?.stop();
  }

  /**
   * Stores the text and its `sms.received.v1` in one transaction (once per MessageUUID), then
   * hands it to compliance before the 200: an acknowledged STOP is in the consent ledger before
   * any later send is checked (docs/decisions/0001-stop-recorded-before-acknowledged.md). A repeat after a 503 skips the store and asks
   * compliance again (its reading is idempotent per message).
   */
  async receive(hook: SignedPlivoHook<'inboundSms'>): Promise<{ duplicate: boolean }> {
    const { messageUuid: uuid, from, to, nonce } = hook;
    if (to === this.runtime.config.PLATFORM_SENDER_NUMBER) return this.staff.receive(hook);
    // A directory behind the gateway (a number added a moment ago) is reloaded once before refusing.
    let location = this.directory.locationOfNumber(to);
    if (!location) {
      await this.directory.reload();
      location = this.directory.locationOfNumber(to);
    }
    if (!location) {
      this.runtime.logger.warn({ to: maskPhone(to) }, 'text to a number no location owns; refused');
      throw new ConversationError('not-found', 'To: no active location has this number');
    }
    const raw = hook.text;
    const safe = safeInboundText(raw, MAX_EVENT_TEXT);
    if (safe.truncated || safe.replacedCharacters > 0) {
      this.runtime.logger.info(
        {
          messageUuid: uuid,
          length: raw.length,
          truncated: safe.truncated,
          replacedCharacters: safe.replacedCharacters,
        },
        'inbound text stored whole; its event carries a cut or cleaned copy',
      );
    }
    const received: SmsReceivedV1 = {
      carrierMessageId: uuid,
      tenantId: location.tenantId,
      locationId: location.locationId,
      from,
      to,
      text: safe.text,
      ...(safe.truncated ? { textTruncated: true } : {}),
      ...(hook.intent ? { carrierIntent: hook.intent } : {}),
      receivedAt: this.runtime.clock.now().toISOString(),
    };
    const scope = tenantScope(location.tenantId, [location.locationId]);
    const inserted = await this.runtime.transaction(async (tx) => {
      if (!(await webhookNonces.remember(tx, nonce)))
        throw new ConversationError(
          'replayed',
          'this request was already received (nonce seen before)',
        );
      const stored = await inbound.insert(tx, scope, {
        messageUuid: uuid,
        locationId: location.locationId,
        from,
        to,
        // The whole text (control characters made visible), even past the event's limit.
        body: safeInboundText(raw, Number.MAX_SAFE_INTEGER).text,
        intent: hook.intent ?? null,
      });
      if (!stored) return false;
      await addToOutbox(tx, 'sms.received.v1', received);
      return true;
    });
    await this.compliance.readInbound(received);
    return { duplicate: !inserted };
  }
}
