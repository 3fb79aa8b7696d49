import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { maskPhone, toE164, type E164 } from '@textback/contracts';
import { addToOutbox, purgeNoncesPeriodically, rememberNonce } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { ConversationError } from '../errors';

const INTENTS = new Set(['optout', 'optin', 'help']);

/** Inbound texts (Plivo message_url, plivo.md §4) → `sms.received.v1`, recorded before the 200. */
@Injectable()
export class InboundSmsService implements OnModuleInit, OnModuleDestroy {
  private stopPurge: () => void = () => undefined;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  onModuleInit(): void {
    this.stopPurge = purgeNoncesPeriodically(this.runtime.dataSource, this.runtime.config.WEBHOOK_NONCE_WINDOW_HOURS);
  }

  onModuleDestroy(): void {
    this.stopPurge();
  }

  async receive(params: Record<string, string>, nonce: string): Promise<{ duplicate: boolean }> {
    const uuid = params['MessageUUID'] ?? '';
    if (!/^[A-Za-z0-9-]{8,64}$/.test(uuid)) throw new ConversationError('invalid-payload', 'MessageUUID: missing or malformed');
    const number = (field: 'From' | 'To'): E164 => {
      try {
        return toE164(params[field] ?? '');
      } catch {
        throw new ConversationError('invalid-payload', `${field}: is not a valid phone number`);
      }
    };
    const from = number('From');
    const to = number('To');
    const text = (params['Text'] ?? params['Body'] ?? '').slice(0, 1600);
    const location = this.directory.locationOfNumber(to);
    if (!location) {
      this.runtime.logger.warn({ to: maskPhone(to) }, 'text to a number no location owns; dropped');
      return { duplicate: false };
    }
    const intent = params['MessageIntent'] ?? '';
    const inserted = await this.runtime.dataSource.transaction(async (tx) => {
      if (!(await rememberNonce(tx, nonce))) throw new ConversationError('replayed', 'this request was already received (nonce seen before)');
      const rows: unknown[] = await tx.query(
        `INSERT INTO inbound_message (message_uuid, tenant_id, location_id, from_number, to_number, body, carrier_intent)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING message_uuid`,
        [uuid, location.tenantId, location.locationId, from, to, text, intent || null],
      );
      if (rows.length === 0) return false;
      await addToOutbox(tx, 'sms.received.v1', `${location.locationId}:${from}`, {
        carrierMessageId: uuid,
        tenantId: location.tenantId,
        locationId: location.locationId,
        from,
        to,
        text,
        ...(INTENTS.has(intent) ? { carrierIntent: intent as 'optout' | 'optin' | 'help' } : {}),
        receivedAt: new Date().toISOString(),
      });
      return true;
    });
    if (inserted) this.runtime.outbox.wake();
    return { duplicate: !inserted };
  }
}
