import { Controller, Inject, Injectable, type Provider, type Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';

export type ConsentState = 'opted-in' | 'opted-out' | 'no-record';

/**
 * A service's copy of consent as compliance publishes it (`consent.changed.v1`): the latest
 * change per tenant and number wins. decision checks it before requesting a text and
 * sms-dispatch again just before the carrier call.
 */
@Injectable()
export class ConsentStates {
  constructor(private readonly dataSource: DataSource) {}

  /** The latest change that covers texting `phoneNumber` from `channelNumber`: brand-wide or for that number. */
  async stateOf(tenantId: string, phoneNumber: string, channelNumber = ''): Promise<ConsentState> {
    const rows: { state: 'opted-in' | 'opted-out' }[] = await this.dataSource.query(
      `SELECT state FROM consent_state WHERE tenant_id = $1 AND phone_number = $2 AND channel_number IN ('', $3)
       ORDER BY changed_at DESC LIMIT 1`,
      [tenantId, phoneNumber, channelNumber],
    );
    return rows[0]?.state ?? 'no-record';
  }

  async apply(change: EventEnvelope<'consent.changed.v1'>['payload']): Promise<void> {
    const channel = change.scope === 'number' ? (change.channelNumber ?? '') : '';
    await this.dataSource.query(
      `INSERT INTO consent_state (tenant_id, phone_number, channel_number, state, changed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, phone_number, channel_number) DO UPDATE SET state = EXCLUDED.state, changed_at = EXCLUDED.changed_at
       WHERE consent_state.changed_at <= EXCLUDED.changed_at`,
      [change.tenantId, change.phoneNumber, channel, change.state, change.changedAt],
    );
  }
}

@Controller()
export class ConsentChangedConsumer {
  constructor(@Inject(ConsentStates) private readonly states: ConsentStates) {}

  @OnEvent('consent.changed.v1')
  onConsentChanged(@Payload() event: EventEnvelope<'consent.changed.v1'>): Promise<void> {
    return this.states.apply(event.payload);
  }
}

export function consentStateParts(dataSource: DataSource): {
  controllers: Type[];
  providers: Provider[];
} {
  return {
    controllers: [ConsentChangedConsumer],
    providers: [{ provide: ConsentStates, useValue: new ConsentStates(dataSource) }],
  };
}

export class ConsentState1763900050000 implements MigrationInterface {
  name = 'ConsentState1763900050000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consent_state (
        tenant_id text NOT NULL,
        phone_number text NOT NULL,
        state text NOT NULL CHECK (state IN ('opted-in', 'opted-out')),
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, phone_number)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE consent_state');
  }
}

/** Per-number opt-outs (a tenant may scope an opt-out to the number it was sent to). */
export class ConsentStateByNumber1763900600000 implements MigrationInterface {
  name = 'ConsentStateByNumber1763900600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consent_state ADD COLUMN channel_number text NOT NULL DEFAULT ''`);
    await q.query('ALTER TABLE consent_state DROP CONSTRAINT consent_state_pkey');
    await q.query(
      'ALTER TABLE consent_state ADD PRIMARY KEY (tenant_id, phone_number, channel_number)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM consent_state WHERE channel_number <> ''`);
    await q.query('ALTER TABLE consent_state DROP CONSTRAINT consent_state_pkey');
    await q.query('ALTER TABLE consent_state ADD PRIMARY KEY (tenant_id, phone_number)');
    await q.query('ALTER TABLE consent_state DROP COLUMN channel_number');
  }
}

/** Add to a service's migrations, in this order. */
export const consentStateMigrations = [
  ConsentState1763900050000,
  ConsentStateByNumber1763900600000,
];
