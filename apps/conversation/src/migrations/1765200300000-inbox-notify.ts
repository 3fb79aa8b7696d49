import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live inbox updates: a thread or message change is announced on `textback_inbox` (PostgreSQL
 * NOTIFY, delivered at commit to every conversation replica listening). The payload names the
 * schema, tenant, location and thread — never a number or a message body.
 */
export class InboxNotify1765200300000 implements MigrationInterface {
  name = 'InboxNotify1765200300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION inbox_notify_thread() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('textback_inbox', json_build_object('schema', TG_TABLE_SCHEMA,
          'tenantId', NEW.tenant_id, 'locationId', NEW.location_id, 'threadId', NEW.thread_id)::text);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION inbox_notify_message() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('textback_inbox', json_build_object('schema', TG_TABLE_SCHEMA,
          'tenantId', t.tenant_id, 'locationId', t.location_id, 'threadId', t.thread_id)::text)
        FROM thread t WHERE t.thread_id = NEW.thread_id;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER thread_changed AFTER INSERT OR UPDATE ON thread
      FOR EACH ROW EXECUTE FUNCTION inbox_notify_thread()`);
    await q.query(`CREATE TRIGGER thread_message_changed AFTER INSERT OR UPDATE ON thread_message
      FOR EACH ROW EXECUTE FUNCTION inbox_notify_message()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER thread_message_changed ON thread_message');
    await q.query('DROP TRIGGER thread_changed ON thread');
    await q.query('DROP FUNCTION inbox_notify_message()');
    await q.query('DROP FUNCTION inbox_notify_thread()');
  }
}
