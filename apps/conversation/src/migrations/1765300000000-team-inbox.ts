import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The team inbox: who wrote each message, how a thread ended, since when a customer waits, the
 * customer's name and opt-out as the inbox shows them; internal notes, canned replies, drafts
 * per person and thread, and the brand's team as the gateway announces it.
 */
export class TeamInbox1765300000000 implements MigrationInterface {
  name = 'TeamInbox1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE thread
        ADD COLUMN customer_name text,
        ADD COLUMN close_outcome text CHECK (close_outcome IN ('won', 'lost')),
        ADD COLUMN close_reason text,
        ADD COLUMN waiting_since timestamptz,
        ADD COLUMN opted_out boolean NOT NULL DEFAULT false`);
    // A customer message nobody has answered yet waits from its time.
    await q.query(`UPDATE thread SET waiting_since = first_customer_reply_at
      WHERE first_customer_reply_at IS NOT NULL AND first_human_reply_at IS NULL AND status = 'open'`);
    await q.query(
      'CREATE INDEX thread_waiting ON thread (tenant_id, waiting_since, thread_id) WHERE waiting_since IS NOT NULL',
    );
    await q.query('CREATE INDEX thread_assignee ON thread (tenant_id, assigned_to)');
    // `user:<id>`, `client:<id>`: the person or partner app that wrote it (null: customer, automation).
    await q.query('ALTER TABLE thread_message ADD COLUMN author_id text');
    await q.query(`
      CREATE TABLE thread_note (
        note_id uuid PRIMARY KEY,
        thread_id uuid NOT NULL REFERENCES thread (thread_id),
        tenant_id text NOT NULL,
        location_id text NOT NULL,
        author_id text NOT NULL,
        body text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX thread_note_thread ON thread_note (thread_id, at)');
    await q.query(`CREATE TRIGGER thread_note_added AFTER INSERT ON thread_note
      FOR EACH ROW EXECUTE FUNCTION inbox_notify_thread()`);
    // location_id null: every location of the brand.
    await q.query(`
      CREATE TABLE canned_reply (
        reply_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        location_id text,
        title text NOT NULL,
        body text NOT NULL,
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX canned_reply_title ON canned_reply (tenant_id, coalesce(location_id, ''), lower(title))`,
    );
    await q.query(`
      CREATE TABLE thread_draft (
        thread_id uuid NOT NULL REFERENCES thread (thread_id),
        user_id text NOT NULL,
        tenant_id text NOT NULL,
        body text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (thread_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE team_member (
        tenant_id text NOT NULL,
        user_id uuid NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL,
        location_ids text[],
        removed boolean NOT NULL DEFAULT false,
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, user_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE team_member');
    await q.query('DROP TABLE thread_draft');
    await q.query('DROP TABLE canned_reply');
    await q.query('DROP TABLE thread_note');
    await q.query('ALTER TABLE thread_message DROP COLUMN author_id');
    await q.query('DROP INDEX thread_assignee');
    await q.query('DROP INDEX thread_waiting');
    await q.query(
      'ALTER TABLE thread DROP COLUMN customer_name, DROP COLUMN close_outcome, DROP COLUMN close_reason, DROP COLUMN waiting_since, DROP COLUMN opted_out',
    );
  }
}
