import { z } from 'zod';
import { col, scopeParams, type Sql, type TenantScope } from '@textback/persistence';
import { inScope } from '../threads/threads.repository';

const DraftRow = z.object({ body: col.text, updatedAt: col.timestamp });
export type DraftRow = z.output<typeof DraftRow>;

/** A person's unsent reply per thread, kept on the server (another device, a reload, an update). */
export const draftsRepository = {
  /** Saves the draft; false when the thread is not in scope. */
  async save(
    sql: Sql,
    scope: TenantScope,
    d: { threadId: string; userId: string; body: string },
  ): Promise<boolean> {
    const saved = await sql.mutate(
      `INSERT INTO thread_draft (thread_id, user_id, tenant_id, body, updated_at)
       SELECT thread_id, $2, tenant_id, $3, now() FROM thread WHERE thread_id = $1 AND ${inScope(4)}
       ON CONFLICT (thread_id, user_id) DO UPDATE SET body = EXCLUDED.body, updated_at = now()`,
      [d.threadId, d.userId, d.body, ...scopeParams(scope)],
    );
    return saved > 0;
  },

  async discard(sql: Sql, scope: TenantScope, threadId: string, userId: string): Promise<void> {
    await sql.mutate(
      `DELETE FROM thread_draft WHERE thread_id = $1 AND user_id = $2 AND tenant_id = $3`,
      [threadId, userId, scope.tenantId],
    );
  },

  of(
    sql: Sql,
    scope: TenantScope,
    threadId: string,
    userId: string,
  ): Promise<DraftRow | undefined> {
    return sql.selectFirst(
      DraftRow,
      `SELECT d.body, d.updated_at FROM thread_draft d JOIN thread USING (thread_id)
       WHERE d.thread_id = $1 AND d.user_id = $2 AND ${inScope(3)}`,
      [threadId, userId, ...scopeParams(scope)],
    );
  },
};
