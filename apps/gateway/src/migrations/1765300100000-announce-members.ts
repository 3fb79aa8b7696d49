import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox learns a brand's team from `member.changed.v1`: the memberships made before it was
 * announced are announced once, through the outbox, as if each had just changed.
 */
export class AnnounceMembers1765300100000 implements MigrationInterface {
  name = 'AnnounceMembers1765300100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO outbox_message (event_id, topic, message_key, payload)
      SELECT gen_random_uuid(), 'member.changed.v1', m.tenant_id || ':' || u.user_id,
             jsonb_build_object('tenantId', m.tenant_id, 'userId', u.user_id, 'displayName', u.display_name,
               'role', m.role, 'locationIds', coalesce(m.location_ids, g.location_ids),
               'removed', u.removed_at IS NOT NULL, 'email', u.email,
               'textPhone', CASE WHEN u.text_consent_at IS NOT NULL THEN u.phone END,
               'changedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      FROM membership m JOIN app_user u USING (user_id)
      LEFT JOIN location_group g ON g.tenant_id = m.tenant_id AND g.group_id = m.group_id
      WHERE m.tenant_id IS NOT NULL
      ORDER BY m.created_at`);
  }

  async down(): Promise<void> {
    // Announcements are facts already published; nothing to take back.
  }
}
