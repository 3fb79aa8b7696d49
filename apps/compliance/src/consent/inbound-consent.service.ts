import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope, LocationProfile } from '@textback/contracts';
import { helpReply, keywordIntent, normaliseKeyword, optOutConfirmation, readPlainWords } from '@textback/domain';
import { addToOutbox, handleOnce } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
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

  async onText(event: EventEnvelope<'sms.received.v1'>): Promise<void> {
    const m = event.payload;
    const location = this.directory.location(m.locationId);
    const scope = location?.optOutScope ?? 'tenant';
    await handleOnce(this.runtime.dataSource, 'compliance.sms-received', event.metadata.id, async (tx) => {
      const current = await this.ledger.currentState(m.tenantId, m.from, m.to, tx);
      const base = { tenantId: m.tenantId, phoneNumber: m.from, scope, channelNumber: m.to, messageId: m.carrierMessageId, messageText: m.text } as const;
      const intent = keywordIntent(m.text, current === 'opted-out');
      if (intent === 'opt-out') {
        await this.ledger.record(tx, { ...base, state: 'opted-out', source: 'keyword', detail: normaliseKeyword(m.text) });
        if (location?.confirmOptOut) await this.reply(tx, location, m.to, m.from, optOutConfirmation(location), 'opt-out-confirmation');
        return;
      }
      if (intent === 'opt-in') {
        await this.ledger.record(tx, { ...base, state: 'opted-in', source: 'keyword', detail: normaliseKeyword(m.text) });
        return;
      }
      if (intent === 'help') {
        if (location) await this.reply(tx, location, m.to, m.from, helpReply(location), 'help');
        return;
      }
      if (m.carrierIntent === 'optout' || m.carrierIntent === 'optin') {
        await this.ledger.record(tx, { ...base, state: m.carrierIntent === 'optout' ? 'opted-out' : 'opted-in', source: 'carrier-intent', detail: m.carrierIntent });
        return;
      }
      const plain = readPlainWords(m.text);
      if (plain.kind === 'none') return;
      if (plain.kind === 'revocation') {
        await this.ledger.record(tx, { ...base, state: 'opted-out', source: 'plain-words', detail: plain.rule });
      }
      await tx.query(
        `INSERT INTO consent_review (message_id, tenant_id, location_id, phone_number, verdict, rule, message_text)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [m.carrierMessageId, m.tenantId, m.locationId, m.from, plain.kind, plain.rule, m.text],
      );
    });
    this.runtime.outbox.wake();
  }

  /** ErrorCode 200: the carrier blocked the text because the recipient opted out (plivo.md §4). */
  async onSendFailed(event: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    const f = event.payload;
    if (f.errorCode !== '200') return;
    const location = this.directory.location(f.locationId);
    await handleOnce(this.runtime.dataSource, 'compliance.sms-failed', event.metadata.id, async (tx) => {
      await this.ledger.record(tx, {
        tenantId: f.tenantId,
        phoneNumber: f.to,
        state: 'opted-out',
        source: 'carrier-error-200',
        scope: location?.optOutScope ?? 'tenant',
        channelNumber: f.from,
        detail: 'ErrorCode 200',
        messageId: `sms:${f.smsId}`,
      });
    });
    this.runtime.outbox.wake();
  }

  private async reply(tx: EntityManager, location: LocationProfile, from: string, to: string, text: string, purpose: 'help' | 'opt-out-confirmation'): Promise<void> {
    await addToOutbox(tx, 'sms.reply-requested.v1', `${location.locationId}:${to}`, {
      replyId: randomUUID(),
      tenantId: location.tenantId,
      locationId: location.locationId,
      from: from as never,
      to: to as never,
      text,
      purpose,
      requestedAt: new Date().toISOString(),
    });
  }
}
