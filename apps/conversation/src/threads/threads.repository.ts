import { z } from 'zod';
import { LeadStatus, type E164 } from '@textback/contracts';
import {
  col,
  RowShapeError,
  scopeParams,
  scopeSees,
  type Database,
  type Sql,
  type TenantScope,
  type Tx,
} from '@textback/persistence';

export const ThreadRow = z.object({
  threadId: col.uuid,
  tenantId: col.tenantId,
  locationId: col.locationId,
  customerNumber: col.e164,
  callId: col.text.nullable(),
  status: z.enum(['open', 'closed']),
  urgent: col.bool,
  automation: col.bool,
  followUpsAsked: col.int,
  onCallNotifiedAt: col.timestamp.nullable(),
  assignedTo: col.text.nullable(),
  firstCustomerReplyAt: col.timestamp.nullable(),
  firstHumanReplyAt: col.timestamp.nullable(),
  createdAt: col.timestamp,
  lastMessageAt: col.timestamp,
});
export type ThreadRow = z.output<typeof ThreadRow>;
const ClaimedThread = ThreadRow.extend({ created: col.bool });

const InboxRow = ThreadRow.extend({ leadStatus: LeadStatus.nullable() });
export type InboxRow = z.output<typeof InboxRow>;

const ResponseTimesRow = z.object({
  threads: col.bigint,
  answered: col.bigint,
  w5: col.bigint,
  w15: col.bigint,
  w60: col.bigint,
  median: col.float.nullable(),
});

/** `t` is the thread's alias; parameters `$n` (tenant) and `$n+1` (visible locations). */
export const inScope = (n: number, t = 'thread'): string =>
  `${t}.tenant_id = $${n} AND ($${n + 1}::text[] IS NULL OR ${t}.location_id = ANY($${n + 1}::text[]))`;

/** Threads: one per location and customer number. */
export const threadRepository = {
  /** The thread of this location and customer (created on first contact), locked for the transaction. */
  /**
   * The thread of a location and number, made if there is none, locked — one statement (the
   * upsert locks the row it returns). `created`: made by this call, so it has no lead yet.
   */
  async claim(
    tx: Tx,
    scope: TenantScope,
    t: { threadId: string; locationId: string; customerNumber: E164; callId: string | undefined },
  ): Promise<ThreadRow & { created: boolean }> {
    const row = await tx.selectFirst(
      ClaimedThread,
      `INSERT INTO thread (thread_id, tenant_id, location_id, customer_number, call_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (location_id, customer_number) DO UPDATE SET call_id = coalesce(EXCLUDED.call_id, thread.call_id)
         WHERE thread.tenant_id = EXCLUDED.tenant_id
       RETURNING *, thread_id = $1 AS created`,
      [t.threadId, scope.tenantId, t.locationId, t.customerNumber, t.callId ?? null],
    );
    if (!row || !scopeSees(scope, row))
      throw new RowShapeError('the thread of this location and number is outside the scope');
    return row;
  },

  byId(sql: Sql, scope: TenantScope, threadId: string): Promise<ThreadRow | undefined> {
    return sql.selectFirst(
      ThreadRow,
      `SELECT * FROM thread WHERE thread_id = $1 AND ${inScope(2)}`,
      [threadId, ...scopeParams(scope)],
    );
  },

  /** The inbox: urgent first, then the latest conversation. */
  list(
    db: Database,
    scope: TenantScope,
    filter: {
      locationId?: string | undefined;
      status?: string | undefined;
      urgent?: boolean | undefined;
    },
  ): Promise<InboxRow[]> {
    return db.select(
      InboxRow,
      `SELECT t.*, l.status AS lead_status FROM thread t LEFT JOIN lead l ON l.thread_id = t.thread_id
       WHERE ${inScope(1, 't')} AND ($3::text IS NULL OR t.location_id = $3) AND ($4::text IS NULL OR t.status = $4)
         AND ($5::boolean IS NULL OR t.urgent = $5)
       ORDER BY t.urgent DESC, t.last_message_at DESC LIMIT 200`,
      [
        ...scopeParams(scope),
        filter.locationId ?? null,
        filter.status ?? null,
        filter.urgent ?? null,
      ],
    );
  },

  /** Changes one thread; false when it is not in scope. */
  async update(
    sql: Sql,
    scope: TenantScope,
    threadId: string,
    change:
      | { kind: 'customer-replied'; at: string }
      | { kind: 'automation-off' }
      | { kind: 'urgent' }
      | { kind: 'on-call-notified' }
      | { kind: 'follow-up-asked' }
      | { kind: 'human-replied'; author: string }
      | { kind: 'assigned'; assignee: string }
      | { kind: 'closed' },
  ): Promise<boolean> {
    const set = {
      'customer-replied': [
        `last_message_at = greatest(last_message_at, $4), first_customer_reply_at = coalesce(first_customer_reply_at, $4), status = 'open'`,
      ],
      'automation-off': ['automation = false'],
      urgent: ['urgent = true'],
      'on-call-notified': ['on_call_notified_at = now()'],
      'follow-up-asked': ['follow_ups_asked = follow_ups_asked + 1'],
      'human-replied': [
        `automation = false, assigned_to = coalesce(assigned_to, $4), first_human_reply_at = coalesce(first_human_reply_at, now()), status = 'open'`,
      ],
      assigned: ['assigned_to = $4'],
      closed: [`status = 'closed', automation = false`],
    }[change.kind];
    const extra =
      'at' in change
        ? [change.at]
        : 'author' in change
          ? [change.author]
          : 'assignee' in change
            ? [change.assignee]
            : [];
    const updated = await sql.mutate(
      `UPDATE thread SET ${set.join(', ')} WHERE thread_id = $1 AND ${inScope(2)}`,
      [threadId, ...scopeParams(scope), ...extra],
    );
    return updated > 0;
  },

  /** An opt-out ends automation in every thread of that customer within the brand. */
  async stopAutomationFor(db: Database, scope: TenantScope, customerNumber: E164): Promise<void> {
    await db.mutate(
      'UPDATE thread SET automation = false WHERE tenant_id = $1 AND customer_number = $2',
      [scope.tenantId, customerNumber],
    );
  },

  async responseTimes(db: Database, scope: TenantScope, since: Date) {
    const r = await db.selectOne(
      ResponseTimesRow,
      `SELECT count(*) AS threads,
              count(first_human_reply_at) AS answered,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '5 minutes') AS w5,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '15 minutes') AS w15,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '60 minutes') AS w60,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_human_reply_at - first_customer_reply_at)) AS median
       FROM thread WHERE ${inScope(1)} AND first_customer_reply_at >= $3`,
      [...scopeParams(scope), since],
    );
    return {
      threads: r.threads,
      answered: r.answered,
      within5m: r.w5,
      within15m: r.w15,
      within60m: r.w60,
      medianSeconds: r.median,
    };
  },
};
