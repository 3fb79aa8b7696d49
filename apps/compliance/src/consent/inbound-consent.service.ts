import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { E164, EventEnvelope, LocationProfile, SmsReceivedV1 } from '@textback/contracts';
import {
  helpReply,
  optOutConfirmation,
  readConsentReply,
  type ConsentReading,
} from '@textback/domain';
import {
  addToOutbox,
  handleOnce,
  scopeOf,
  tenantScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { consentLedgerRepository } from './consent-ledger.repository';
import { ConsentLedgerService } from './consent-ledger.service';

/**
 * What an inbound text or a delivery failure means for consent: keywords first (STOP, START,
 * HELP…), then Plivo's own reading (MessageIntent), then plain-words revocation (acted on and
 * flagged) or an ambiguous message (flagged only). A carrier opt-out (ErrorCode 200) opts out.
 */
@Injectable()
export class InboundConsentService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly ledger: ConsentLedgerService,
  ) {}

  /**
   * Reads one inbound text for consent, once per carrier message: conversation calls this before
   * it acknowledges the text to Plivo (so an acknowledged STOP is already in the ledger when the
   * next consent check comes), and the `sms.received.v1` consumer calls it again as a backstop
   * (a no-op when the text was already read). Returns what the text meant.
   */
  async readInbound(m: SmsReceivedV1): Promise<ConsentReading['kind']> {
    const location = this.directory.location(m.locationId);
    const optOutScope = location?.optOutScope ?? 'tenant';
    const scope = tenantScope(m.tenantId, [m.locationId]);
    let kind: ConsentReading['kind'] = 'none';
    await handleOnce(this.runtime.db, 'compliance.inbound-text', m.carrierMessageId, async (tx) => {
      const current = await this.ledger.currentState(scope, m.from, m.to, tx);
      const base = {
        phoneNumber: m.from,
        scope: optOutScope,
        channelNumber: m.to,
        messageId: m.carrierMessageId,
        messageText: m.text,
      } as const;
      const reading = readConsentReply(m.text, {
        currentlyOptedOut: current === 'opted-out',
        carrierIntent: m.carrierIntent,
      });
      kind = reading.kind;
      switch (reading.kind) {
        case 'none':
          return;
        case 'help':
          if (location)
            await this.reply(
              tx,
              location,
              m.to,
              m.from,
              helpReply(location, reading.language),
              'help',
            );
          return;
        case 'review':
          return this.flag(tx, scope, m, 'ambiguous', reading.detail);
        case 'opt-in':
          await this.ledger.record(tx, scope, {
            ...base,
            state: 'opted-in',
            source: reading.source,
            detail: reading.detail,
          });
          return;
        case 'opt-out':
          await this.ledger.record(tx, scope, {
            ...base,
            state: 'opted-out',
            source: reading.source,
            detail: reading.detail,
          });
          if (reading.source === 'plain-words')
            return this.flag(tx, scope, m, 'revocation', reading.detail);
          if (location?.confirmOptOut)
            await this.reply(
              tx,
              location,
              m.to,
              m.from,
              optOutConfirmation(location),
              'opt-out-confirmation',
            );
          return;
      }
    });
    return kind;
  }

  async onText(event: EventEnvelope<'sms.received.v1'>): Promise<void> {
    await this.readInbound(event.payload);
  }

  private flag(
    tx: Tx,
    scope: TenantScope,
    m: SmsReceivedV1,
    verdict: 'ambiguous' | 'revocation',
    rule: string,
  ): Promise<void> {
    return consentLedgerRepository.flagForReview(tx, scope, {
      messageId: m.carrierMessageId,
      locationId: m.locationId,
      phoneNumber: m.from,
      verdict,
      rule,
      messageText: m.text,
    });
  }

  /** ErrorCode 200: the carrier blocked the text because the recipient opted out (plivo.md §4). */
  async onSendFailed(event: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    const f = event.payload;
    if (f.errorCode !== '200') return;
    const location = this.directory.location(f.locationId);
    const scope = scopeOf(event);
    await handleOnce(this.runtime.db, 'compliance.sms-failed', event.metadata.id, async (tx) => {
      await this.ledger.record(tx, scope, {
        phoneNumber: f.to,
        state: 'opted-out',
        source: 'carrier-error-200',
        scope: location?.optOutScope ?? 'tenant',
        channelNumber: f.from,
        detail: 'ErrorCode 200',
        messageId: `sms:${f.smsId}`,
      });
    });
  }

  private async reply(
    tx: Tx,
    location: LocationProfile,
    from: E164,
    to: E164,
    text: string,
    purpose: 'help' | 'opt-out-confirmation',
  ): Promise<void> {
    await addToOutbox(tx, 'sms.reply-requested.v1', {
      replyId: randomUUID(),
      tenantId: location.tenantId,
      locationId: location.locationId,
      from,
      to,
      text,
      purpose,
      requestedAt: this.runtime.clock.now().toISOString(),
    });
  }
}
