import { z } from 'zod';
import { col, scopeParams, type Sql, type TenantScope } from '@textback/persistence';

const CannedReplyRow = z.object({
  replyId: col.uuid,
  locationId: col.locationId.nullable(),
  title: col.text,
  body: col.text,
  updatedAt: col.timestamp,
});
export type CannedReplyRow = z.output<typeof CannedReplyRow>;

/** Canned replies: the brand's (every location) and each location's own. */
export const cannedRepliesRepository = {
  /** The brand's and the scope's locations' replies, by title. */
  list(sql: Sql, scope: TenantScope, locationId?: string): Promise<CannedReplyRow[]> {
    return sql.select(
      CannedReplyRow,
      `SELECT reply_id, location_id, title, body, updated_at FROM canned_reply
       WHERE tenant_id = $1 AND (location_id IS NULL OR (($2::text[] IS NULL OR location_id = ANY($2::text[]))
         AND ($3::text IS NULL OR location_id = $3)))
       ORDER BY lower(title), location_id NULLS FIRST`,
      [...scopeParams(scope), locationId ?? null],
    );
  },

  /** Adds one; false when that title exists already at that level. */
  async add(
    sql: Sql,
    scope: TenantScope,
    r: {
      replyId: string;
      locationId: string | null;
      title: string;
      body: string;
      createdBy: string;
    },
  ): Promise<boolean> {
    return (
      (await sql.mutate(
        `INSERT INTO canned_reply (reply_id, tenant_id, location_id, title, body, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [r.replyId, scope.tenantId, r.locationId, r.title, r.body, r.createdBy],
      )) > 0
    );
  },

  byId(sql: Sql, scope: TenantScope, replyId: string): Promise<CannedReplyRow | undefined> {
    return sql.selectFirst(
      CannedReplyRow,
      `SELECT reply_id, location_id, title, body, updated_at FROM canned_reply
       WHERE reply_id = $1 AND tenant_id = $2`,
      [replyId, scope.tenantId],
    );
  },

  async remove(sql: Sql, scope: TenantScope, replyId: string): Promise<boolean> {
    return (
      (await sql.mutate('DELETE FROM canned_reply WHERE reply_id = $1 AND tenant_id = $2', [
        replyId,
        scope.tenantId,
      ])) > 0
    );
  },
};
