import { z } from 'zod';
import { SmsPurpose } from '@textback/contracts';
import {
  col,
  scopeParams,
  type Database,
  type Sql,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import { inScope } from './threads.repository';

const MessageRow = z.object({
  messageId: col.text,
  direction: z.enum(['inbound', 'outbound']),
  author: col.text,
  authorId: col.text.nullable(),
  /** The person's name as the team knows it (null: the customer, automation, or not known yet). */
  authorName: col.text.nullable(),
  purpose: SmsPurpose.nullable(),
  body: col.text.nullable(),
  status: col.text,
  failureReason: col.text.nullable(),
  at: col.timestamp,
});
export type MessageRow = z.output<typeof MessageRow>;

/** A message in scope: its thread is the tenant's (thread_message has no tenant column of its own). */
const messageInScope = (n: number): string =>
  `thread_id IN (SELECT thread_id FROM thread WHERE ${inScope(n)})`;

/** A message put into a thread (`at` null: now). */
interface NewMessage {
  messageId: string;
  threadId: string;
  direction: 'inbound' | 'outbound';
  author: 'customer' | 'operator' | 'automation';
  /** `user:<id>` of the person who wrote it; null for the customer and automation. */
  authorId: string | null;
  purpose: SmsPurpose | null;
  body: string | null;
  status: 'received' | 'sent' | 'requested';
  at: string | null;
}

/** The insert of a message into its thread (in scope), once per message id; `at`: its time. */
const insertMessage = (at: string): string =>
  `INSERT INTO thread_message (message_id, thread_id, direction, author, purpose, body, status, at, author_id)
   SELECT $1, thread_id, $3, $4, $5, $6, $7, ${at}, $11 FROM thread WHERE thread_id = $2 AND ${inScope(9)}
   ON CONFLICT (message_id) DO NOTHING`;
const messageParams = (scope: TenantScope, m: NewMessage): unknown[] => [
  m.messageId,
  m.threadId,
  m.direction,
  m.author,
  m.purpose,
  m.body,
  m.status,
  m.at,
  ...scopeParams(scope),
  m.authorId,
];

/** The messages of a thread, in and out, with their delivery status. */
export const threadMessageRepository = {
  async add(tx: Tx, scope: TenantScope, m: NewMessage): Promise<void> {
    await tx.mutate(insertMessage('coalesce($8::timestamptz, now())'), messageParams(scope, m));
  },

  /**
   * `add`, and the thread's last message time moved to the message's, in one statement (the
   * thread is touched even when the message was there already: an operator's sent reply).
   */
  async addAndTouch(
    tx: Tx,
    scope: TenantScope,
    m: NewMessage & { status: 'received' | 'sent'; at: string },
  ): Promise<void> {
    await tx.mutate(
      `WITH added AS (${insertMessage('$8::timestamptz')})
       UPDATE thread SET last_message_at = greatest(last_message_at, $8::timestamptz)
       WHERE thread_id = $2 AND ${inScope(9)}`,
      messageParams(scope, m),
    );
  },

  /**
   * Records which reply a request id asked for, once: the reply id of the first request with it
   * (this one's when it is the first). A duplicate waits for the first's commit, then reads it.
   */
  async claimRequest(
    tx: Tx,
    scope: TenantScope,
    r: { requestId: string; threadId: string; replyId: string },
  ): Promise<string> {
    const mine = await tx.select(
      z.object({ replyId: col.text }),
      `INSERT INTO reply_request (request_id, tenant_id, thread_id, reply_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (request_id) DO NOTHING RETURNING reply_id`,
      [r.requestId, scope.tenantId, r.threadId, r.replyId],
    );
    if (mine[0]) return mine[0].replyId;
    const first = await tx.selectOne(
      z.object({ replyId: col.text }),
      'SELECT reply_id FROM reply_request WHERE request_id = $1 AND tenant_id = $2 AND thread_id = $3',
      [r.requestId, scope.tenantId, r.threadId],
    );
    return first.replyId;
  },

  /** A partner application's name as it writes (the inbox shows it beside its messages). */
  async nameApp(tx: Tx, _scope: TenantScope, subject: string, displayName: string): Promise<void> {
    await tx.mutate(
      `INSERT INTO app_author (subject, display_name) VALUES ($1, $2)
       ON CONFLICT (subject) DO UPDATE SET display_name = EXCLUDED.display_name, updated_at = now()
       WHERE app_author.display_name <> EXCLUDED.display_name`,
      [subject, displayName],
    );
  },

  /** An operator's requested reply became this sent text. */
  async requestSent(
    tx: Tx,
    scope: TenantScope,
    requestId: string,
    sent: { smsId: string; at: string },
  ): Promise<void> {
    await tx.mutate(
      `UPDATE thread_message SET message_id = $1, status = 'sent', at = $3 WHERE message_id = $2 AND status = 'requested' AND ${messageInScope(4)}`,
      [sent.smsId, requestId, sent.at, ...scopeParams(scope)],
    );
  },

  async delivered(
    db: Database,
    scope: TenantScope,
    smsId: string,
    status: 'delivered' | 'failed',
  ): Promise<void> {
    await db.mutate(
      `UPDATE thread_message SET status = $2 WHERE message_id = $1 AND ${messageInScope(3)}`,
      [smsId, status, ...scopeParams(scope)],
    );
  },

  /** A text that failed, or a requested reply that was never sent: marked with the reason. */
  async failed(
    db: Database,
    scope: TenantScope,
    f: { smsId: string; requestId: string | undefined; reason: string },
  ): Promise<void> {
    await db.mutate(
      `UPDATE thread_message SET status = 'failed', failure_reason = $3
       WHERE (message_id = $1 OR ($2::text IS NOT NULL AND message_id = $2 AND status = 'requested')) AND ${messageInScope(4)}`,
      [f.smsId, f.requestId ?? null, f.reason, ...scopeParams(scope)],
    );
  },

  ofThread(sql: Sql, scope: TenantScope, threadId: string): Promise<MessageRow[]> {
    return sql.select(
      MessageRow,
      `SELECT m.message_id, m.direction, m.author, m.author_id,
              coalesce(tm.display_name, app.display_name) AS author_name, m.purpose,
              m.body, m.status, m.failure_reason, m.at
       FROM thread_message m JOIN thread USING (thread_id)
       LEFT JOIN team_member tm ON tm.tenant_id = thread.tenant_id AND 'user:' || tm.user_id = m.author_id
       LEFT JOIN app_author app ON app.subject = m.author_id
       WHERE m.thread_id = $1 AND ${inScope(2)} ORDER BY m.at, m.message_id`,
      [threadId, ...scopeParams(scope)],
    );
  },
};
