import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM sync: each tenant's webhook endpoint, and a delivery log that is also the retry queue
 * (pending → delivered, or dead after the last attempt: the dead letters).
 */
export class CrmSync1763901100000 implements MigrationInterface {
  name = 'CrmSync1763901100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm_endpoint (
        tenant_id text PRIMARY KEY,
        url text NOT NULL,
        secret text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm_delivery (
        seq bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL UNIQUE,
        tenant_id text NOT NULL,
        lead_id uuid NOT NULL,
        lead_version integer NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX crm_delivery_due ON crm_delivery (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query('CREATE INDEX crm_delivery_lead ON crm_delivery (lead_id, seq)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm_delivery');
    await q.query('DROP TABLE crm_endpoint');
  }
}
