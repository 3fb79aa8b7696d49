import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One thread per location and customer number, its messages, and the lead it became. */
export class Threads1763901000000 implements MigrationInterface {
  name = 'Threads1763901000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE thread (
        thread_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        customer_number text NOT NULL,
        call_id text,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        urgent boolean NOT NULL DEFAULT false,
        automation boolean NOT NULL DEFAULT true,
        follow_ups_asked integer NOT NULL DEFAULT 0,
        on_call_notified_at timestamptz,
        assigned_to text,
        first_customer_reply_at timestamptz,
        first_human_reply_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_message_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (location_id, customer_number)
      )`);
    await q.query(
      'CREATE INDEX thread_inbox ON thread (tenant_id, status, urgent DESC, last_message_at DESC)',
    );
    await q.query(`
      CREATE TABLE thread_message (
        message_id text PRIMARY KEY,
        thread_id uuid NOT NULL REFERENCES thread (thread_id),
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        author text NOT NULL,
        purpose text,
        body text,
        status text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX thread_message_thread ON thread_message (thread_id, at)');
    await q.query(`
      CREATE TABLE lead (
        lead_id uuid PRIMARY KEY,
        thread_id uuid NOT NULL UNIQUE REFERENCES thread (thread_id),
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        call_id text,
        customer_number text NOT NULL,
        status text NOT NULL,
        service_type text,
        urgent boolean NOT NULL DEFAULT false,
        emergency text,
        zip text,
        requested_time timestamptz,
        value_minor bigint,
        currency text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE lead');
    await q.query('DROP TABLE thread_message');
    await q.query('DROP TABLE thread');
  }
}
