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

  async stateOf(tenantId: string, phoneNumber: string): Promise<ConsentState> {
    const rows: { state: 'opted-in' | 'opted-out' }[] = await this.dataSource.query(
      'SELECT state FROM consent_state WHERE tenant_id = $1 AND phone_number = $2',
      [tenantId, phoneNumber],
    );
    return rows[0]?.state ?? 'no-record';
  }

  async apply(change: EventEnvelope<'consent.changed.v1'>['payload']): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO consent_state (tenant_id, phone_number, state, changed_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, phone_number) DO UPDATE SET state = EXCLUDED.state, changed_at = EXCLUDED.changed_at
       WHERE consent_state.changed_at <= EXCLUDED.changed_at`,
      [change.tenantId, change.phoneNumber, change.state, change.changedAt],
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

export function consentStateParts(dataSource: DataSource): { controllers: Type[]; providers: Provider[] } {
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
