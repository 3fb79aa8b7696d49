import { z } from 'zod';
import type { MemberChangedV1 } from '@textback/contracts';
import { col, scopeParams, type Sql, type TenantScope } from '@textback/persistence';

export const TeamMemberRow = z.object({
  userId: col.uuid,
  displayName: col.text,
  role: col.text,
  locationIds: z.array(col.locationId).nullable(),
});
export type TeamMemberRow = z.output<typeof TeamMemberRow>;

/** A member works in the scope's locations: all of the brand's, or one of them. */
const worksInScope = (n: number): string =>
  `tenant_id = $${n} AND ($${n + 1}::text[] IS NULL OR location_ids IS NULL OR location_ids && $${n + 1}::text[])`;

/** The brand's team as the gateway announces it (`member.changed.v1`). */
export const teamRepository = {
  /** Keeps the newest announcement of a membership; an older or repeated one changes nothing. */
  async keepNewest(sql: Sql, scope: TenantScope, m: MemberChangedV1): Promise<void> {
    if (m.tenantId !== scope.tenantId) throw new Error('member outside the scope');
    await sql.mutate(
      `INSERT INTO team_member (tenant_id, user_id, display_name, role, location_ids, removed, changed_at, email, text_phone)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET display_name = EXCLUDED.display_name,
         role = EXCLUDED.role, location_ids = EXCLUDED.location_ids, removed = EXCLUDED.removed,
         changed_at = EXCLUDED.changed_at, email = EXCLUDED.email, text_phone = EXCLUDED.text_phone
       WHERE team_member.changed_at <= EXCLUDED.changed_at`,
      [
        m.tenantId,
        m.userId,
        m.displayName,
        m.role,
        m.locationIds,
        m.removed,
        m.changedAt,
        m.email ?? null,
        m.textPhone ?? null,
      ],
    );
  },

  /** Who works in the scope's locations now (people who may be assigned), by name. */
  members(sql: Sql, scope: TenantScope): Promise<TeamMemberRow[]> {
    return sql.select(
      TeamMemberRow,
      `SELECT user_id, display_name, role, location_ids FROM team_member
       WHERE ${worksInScope(1)} AND NOT removed AND role <> 'analyst' ORDER BY display_name`,
      scopeParams(scope),
    );
  },

  /** One member who may work on a thread of `locationId` (assignable), if there is one. */
  assignable(
    sql: Sql,
    scope: TenantScope,
    userId: string,
    locationId: string,
  ): Promise<TeamMemberRow | undefined> {
    return sql.selectFirst(
      TeamMemberRow,
      `SELECT user_id, display_name, role, location_ids FROM team_member
       WHERE tenant_id = $1 AND user_id::text = $2 AND NOT removed AND role <> 'analyst'
         AND (location_ids IS NULL OR $3 = ANY(location_ids))`,
      [scope.tenantId, userId, locationId],
    );
  },

  /** Where a member may be alerted (from the gateway's announcement). */
  contact(sql: Sql, scope: TenantScope, userId: string) {
    return sql.selectFirst(
      z.object({ email: col.text.nullable(), textPhone: col.text.nullable() }),
      `SELECT m.email, CASE WHEN coalesce(sc.opted_out, false) THEN NULL ELSE m.text_phone END AS text_phone
       FROM team_member m LEFT JOIN staff_text_consent sc ON sc.phone = m.text_phone
       WHERE m.tenant_id = $1 AND m.user_id::text = $2 AND NOT m.removed`,
      [scope.tenantId, userId],
    );
  },

  /** Names of members, removed ones too (their name stays on what they wrote). */
  async names(
    sql: Sql,
    scope: TenantScope,
    userIds: readonly string[],
  ): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await sql.select(
      z.object({ userId: col.uuid, displayName: col.text }),
      'SELECT user_id, display_name FROM team_member WHERE tenant_id = $1 AND user_id::text = ANY($2::text[])',
      [scope.tenantId, [...userIds]],
    );
    return new Map(rows.map((r) => [r.userId, r.displayName]));
  },
};
