import { z } from 'zod';
import { col, scopeParams, type Sql, type TenantScope } from '@textback/persistence';
import { inScope } from '../threads/threads.repository';

const NoteRow = z.object({
  noteId: col.uuid,
  authorId: col.text,
  body: col.text,
  at: col.timestamp,
});
export type NoteRow = z.output<typeof NoteRow>;

/** Internal notes on a thread: the team's, never sent to the customer. */
export const notesRepository = {
  /** Adds a note to a thread in scope; false when the thread is not in scope. */
  async add(
    sql: Sql,
    scope: TenantScope,
    n: { noteId: string; threadId: string; authorId: string; body: string },
  ): Promise<boolean> {
    const added = await sql.mutate(
      `INSERT INTO thread_note (note_id, thread_id, tenant_id, location_id, author_id, body)
       SELECT $1, thread_id, tenant_id, location_id, $3, $4 FROM thread WHERE thread_id = $2 AND ${inScope(5)}`,
      [n.noteId, n.threadId, n.authorId, n.body, ...scopeParams(scope)],
    );
    return added > 0;
  },

  ofThread(sql: Sql, scope: TenantScope, threadId: string): Promise<NoteRow[]> {
    return sql.select(
      NoteRow,
      `SELECT note_id, author_id, body, at FROM thread_note
       WHERE thread_id = $1 AND ${inScope(2, 'thread_note')} ORDER BY at, note_id`,
      [threadId, ...scopeParams(scope)],
    );
  },
};
