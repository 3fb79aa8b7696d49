import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope, LocationProfile, SmsReceivedV1 } from '@textback/contracts';
import {
  helpReply,
  optOutConfirmation,
  readConsentReply,
  type ConsentReading,
} from '@textback/domain';
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

  /**
   * Reads one inbound text for consent, once per carrier message: conversation calls this before
   * it acknowledges the text to Plivo (so an acknowledged STOP is already in the ledger when the
   * next consent check comes), and the `sms.received.v1` consumer calls it again as a backstop
   * (a no-op when the text was already read). Returns what the text meant.
   */
  async readInbound(m: SmsReceivedV1): Promise<ConsentReading['kind']> {
    const location = this.directory.location(m.locationId);
    const scope = location?.optOutScope ?? 'tenant';
    let kind: ConsentReading['kind'] = 'none';
    await handleOnce(
      this.runtime.dataSource,
      'compliance.inbound-text',
      m.carrierMessageId,
      async (tx) => {
        const current = await this.ledger.currentState(m.tenantId, m.from, m.to, tx);
        const base = {
          tenantId: m.tenantId,
          phoneNumber: m.from,
          scope,
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
            return this.flag(tx, m, 'ambiguous', reading.detail);
          case 'opt-in':
            await this.ledger.record(tx, {
              ...base,
              state: 'opted-in',
              source: reading.source,
              detail: reading.detail,
            });
            return;
          case 'opt-out':
            await this.ledger.record(tx, {
              ...base,
              state: 'opted-out',
              source: reading.source,
              detail: reading.detail,
            });
            if (reading.source === 'plain-words')
              return this.flag(tx, m, 'revocation', reading.detail);
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
      },
    );
    this.runtime.outbox.wake();
    return kind;
  }

  async onText(event: EventEnvelope<'sms.received.v1'>): Promise<void> {
    await this.readInbound(event.payload);
  }

  private async flag(
    tx: EntityManager,
    m: SmsReceivedV1,
    verdict: 'ambiguous' | 'revocation',
    rule: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO consent_review (message_id, tenant_id, location_id, phone_number, verdict, rule, message_text)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [m.carrierMessageId, m.tenantId, m.locationId, m.from, verdict, rule, m.text],
    );
  }

  /** ErrorCode 200: the carrier blocked the text because the recipient opted out (plivo.md §4). */
  async onSendFailed(event: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    const f = event.payload;
    if (f.errorCode !== '200') return;
    const location = this.directory.location(f.locationId);
    await handleOnce(
      this.runtime.dataSource,
      'compliance.sms-failed',
      event.metadata.id,
      async (tx) => {
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
      },
    );
    this.runtime.outbox.wake();
  }

  private async reply(
    tx: EntityManager,
    location: LocationProfile,
    from: string,
    to: string,
    text: string,
    purpose: 'help' | 'opt-out-confirmation',
  ): Promise<void> {
    await addToOutbox(tx, 'sms.reply-requested.v1', {
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
