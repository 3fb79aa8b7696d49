import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Inbound texts, once per Plivo MessageUUID (Plivo retries when our answer is slow or lost). */
export class InboundMessage1763900500000 implements MigrationInterface {
  name = 'InboundMessage1763900500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_message (
        message_uuid text PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        from_number text NOT NULL,
        to_number text NOT NULL,
        body text,
        carrier_intent text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE inbound_message');
  }
}
