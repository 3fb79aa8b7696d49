import { z } from 'zod';
import { roles } from '@textback/auth';
import {
  col,
  type Database,
  type Sql,
  type SystemScope,
  type TenantScope,
} from '@textback/persistence';

const UserRow = z.object({
  userId: col.uuid,
  email: col.text,
  displayName: col.text,
  createdAt: col.timestamp,
  removedAt: col.timestamp.nullable(),
  phone: col.e164.nullable(),
  textConsentAt: col.timestamp.nullable(),
});
export type UserRow = z.output<typeof UserRow>;

const MemberRow = UserRow.extend({
  tenantId: col.tenantId.nullable(),
  role: z.enum(roles),
  locationIds: z.array(col.locationId).nullable(),
  groupId: col.text.nullable(),
  /** The group's locations now (a group's members follow it). */
  groupLocationIds: z.array(col.locationId).nullable(),
});
export type MemberRow = z.output<typeof MemberRow>;

const GroupRow = z.object({
  groupId: col.text,
  tenantId: col.tenantId,
  name: col.text,
  locationIds: z.array(col.locationId),
  createdAt: col.timestamp,
});
export type GroupRow = z.output<typeof GroupRow>;

const MEMBER = `SELECT u.*, m.tenant_id, m.role, m.location_ids, m.group_id, g.location_ids AS group_location_ids
  FROM membership m JOIN app_user u USING (user_id)
  LEFT JOIN location_group g ON g.tenant_id = m.tenant_id AND g.group_id = m.group_id`;

/** Users, their memberships in tenants, and location groups (regions). */
export const identityRepository = {
  /** The user with this email, made when new (a person may belong to several tenants). */
  async user(sql: Sql, _scope: SystemScope, u: { userId: string; email: string; name: string }) {
    await sql.mutate(
      `INSERT INTO app_user (user_id, email, display_name) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING`,
      [u.userId, u.email, u.name],
    );
    return sql.selectOne(UserRow, 'SELECT * FROM app_user WHERE email = $1', [u.email]);
  },

  /** False when the user already has a membership there. */
  async addMembership(
    sql: Sql,
    scope: TenantScope | SystemScope,
    m: {
      userId: string;
      role: (typeof roles)[number];
      locationIds: readonly string[] | null;
      groupId: string | null;
      createdBy: string;
    },
  ): Promise<boolean> {
    const added = await sql.mutate(
      `INSERT INTO membership (user_id, tenant_id, role, location_ids, group_id, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [
        m.userId,
        'tenantId' in scope ? scope.tenantId : null,
        m.role,
        m.locationIds,
        m.groupId,
        m.createdBy,
      ],
    );
    return added > 0;
  },

  /** The tenant's members (their memberships there). */
  members(db: Database, scope: TenantScope): Promise<MemberRow[]> {
    return db.select(MemberRow, `${MEMBER} WHERE m.tenant_id = $1 ORDER BY u.email`, [
      scope.tenantId,
    ]);
  },

  member(sql: Sql, scope: TenantScope, userId: string): Promise<MemberRow | undefined> {
    return sql.selectFirst(MemberRow, `${MEMBER} WHERE m.tenant_id = $1 AND m.user_id = $2`, [
      scope.tenantId,
      userId,
    ]);
  },

  /** The platform's administrators. */
  platformAdmins(db: Database, _scope: SystemScope): Promise<MemberRow[]> {
    return db.select(MemberRow, `${MEMBER} WHERE m.tenant_id IS NULL ORDER BY u.email`);
  },

  /** Whether any platform administrator is left (the bootstrap key is refused once one is). */
  async anyPlatformAdmin(db: Database, _scope: SystemScope): Promise<boolean> {
    const row = await db.selectOne(
      z.object({ any: col.bool }),
      `SELECT EXISTS (SELECT 1 FROM membership m JOIN app_user u USING (user_id)
         WHERE m.tenant_id IS NULL AND u.removed_at IS NULL) AS any`,
    );
    return row.any;
  },

  /** A membership as a token is issued for it: by user and tenant (null: platform). */
  membershipFor(
    db: Database,
    _scope: SystemScope,
    userId: string,
    tenantId: string | null,
  ): Promise<MemberRow | undefined> {
    return db.selectFirst(
      MemberRow,
      `${MEMBER} WHERE m.user_id = $1 AND m.tenant_id IS NOT DISTINCT FROM $2 AND u.removed_at IS NULL`,
      [userId, tenantId],
    );
  },

  /** The person's memberships of brands (not the platform's). */
  membershipsOf(sql: Sql, _scope: SystemScope, userId: string): Promise<MemberRow[]> {
    return sql.select(MemberRow, `${MEMBER} WHERE m.user_id = $1 AND m.tenant_id IS NOT NULL`, [
      userId,
    ]);
  },

  /** Removes the user from the tenant; false when not a member. */
  async removeMembership(sql: Sql, scope: TenantScope, userId: string): Promise<boolean> {
    return (
      (await sql.mutate('DELETE FROM membership WHERE tenant_id = $1 AND user_id = $2', [
        scope.tenantId,
        userId,
      ])) > 0
    );
  },

  async insertGroup(
    db: Database,
    scope: TenantScope,
    g: { groupId: string; name: string; locationIds: readonly string[] },
  ): Promise<GroupRow | undefined> {
    return db.selectFirst(
      GroupRow,
      `INSERT INTO location_group (tenant_id, group_id, name, location_ids) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING *`,
      [scope.tenantId, g.groupId, g.name, g.locationIds],
    );
  },

  groups(db: Database, scope: TenantScope): Promise<GroupRow[]> {
    return db.select(
      GroupRow,
      'SELECT * FROM location_group WHERE tenant_id = $1 ORDER BY group_id',
      [scope.tenantId],
    );
  },

  group(db: Database, scope: TenantScope, groupId: string): Promise<GroupRow | undefined> {
    return db.selectFirst(
      GroupRow,
      'SELECT * FROM location_group WHERE tenant_id = $1 AND group_id = $2',
      [scope.tenantId, groupId],
    );
  },

  /** The tenant's location ids (a group or a membership may name only these). */
  async locationIds(db: Database, scope: TenantScope): Promise<string[]> {
    const rows = await db.select(
      z.object({ locationId: col.text }),
      'SELECT location_id FROM location WHERE tenant_id = $1',
      [scope.tenantId],
    );
    return rows.map((r) => r.locationId);
  },
};
