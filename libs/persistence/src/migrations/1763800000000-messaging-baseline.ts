import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Outbox and processed-event tables; every service schema starts with these. */
export class MessagingBaseline1763800000000 implements MigrationInterface {
  name = 'MessagingBaseline1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_message (
        seq bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        topic text NOT NULL,
        message_key text NOT NULL,
        payload jsonb NOT NULL,
        causation_id text,
        traceparent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX outbox_message_unpublished ON outbox_message (seq) WHERE published_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE processed_event (
        consumer text NOT NULL,
        event_id text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE processed_event');
    await q.query('DROP TABLE outbox_message');
  }
}
