import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Telling staff of a customer's message: where each person may be reached (from the gateway's
 * announcement), how they want to be told and when they are on shift, their browsers' push
 * subscriptions, every alert per person and channel (its delivery recorded), and each waiting
 * thread's escalation (the tier it reached and when the next is due).
 */
export class InboxAlerts1765300200000 implements MigrationInterface {
  name = 'InboxAlerts1765300200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE team_member ADD COLUMN email text, ADD COLUMN text_phone text');
    await q.query(`
      CREATE TABLE alert_setting (
        tenant_id text NOT NULL,
        user_id uuid NOT NULL,
        channels text[] NOT NULL,
        timezone text NOT NULL,
        shifts jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE push_subscription (
        endpoint text PRIMARY KEY,
        tenant_id text NOT NULL,
        user_id uuid NOT NULL,
        p256dh text NOT NULL,
        auth text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX push_subscription_user ON push_subscription (tenant_id, user_id)');
    await q.query(`
      CREATE TABLE inbox_alert (
        alert_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        thread_id uuid NOT NULL REFERENCES thread (thread_id),
        tier integer NOT NULL,
        user_id uuid NOT NULL,
        channel text NOT NULL CHECK (channel IN ('sms', 'push', 'email')),
        urgent boolean NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        due_at timestamptz NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL,
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX inbox_alert_due ON inbox_alert (due_at) WHERE status = 'pending'`);
    await q.query('CREATE INDEX inbox_alert_thread ON inbox_alert (thread_id, created_at)');
    // A tier of a waiting thread starts once (tier -1: waiting, nobody told yet).
    await q.query(`
      CREATE TABLE thread_escalation (
        thread_id uuid PRIMARY KEY REFERENCES thread (thread_id),
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        tier integer NOT NULL,
        next_at timestamptz NOT NULL,
        news boolean NOT NULL DEFAULT false
      )`);
    await q.query('CREATE INDEX thread_escalation_next ON thread_escalation (next_at)');
    await q.query(`
      CREATE TABLE escalation_step (
        thread_id uuid NOT NULL REFERENCES thread (thread_id),
        tenant_id text NOT NULL,
        tier integer NOT NULL,
        people integer NOT NULL,
        alerts integer NOT NULL,
        at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX escalation_step_thread ON escalation_step (thread_id, at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE escalation_step');
    await q.query('DROP TABLE thread_escalation');
    await q.query('DROP TABLE inbox_alert');
    await q.query('DROP TABLE push_subscription');
    await q.query('DROP TABLE alert_setting');
    await q.query('ALTER TABLE team_member DROP COLUMN email, DROP COLUMN text_phone');
  }
}
