import { z } from 'zod';
import type { E164 } from '@textback/contracts';
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
  customerName: col.text.nullable(),
  closeOutcome: z.enum(['won', 'lost']).nullable(),
  closeReason: col.text.nullable(),
  waitingSince: col.timestamp.nullable(),
  optedOut: col.bool,
});
export type ThreadRow = z.output<typeof ThreadRow>;
const ClaimedThread = ThreadRow.extend({ created: col.bool });

const ResponseTimesRow = z.object({
  threads: col.bigint,
  answered: col.bigint,
  w5: col.bigint,
  w15: col.bigint,
  w60: col.bigint,
  sameDay: col.bigint,
  median: col.float.nullable(),
});

export type ThreadChange =
  | { kind: 'customer-replied'; at: string; waits: boolean }
  | { kind: 'automation-off' }
  | { kind: 'urgent' }
  | { kind: 'on-call-notified' }
  | { kind: 'follow-up-asked' }
  /** `author`: the person's user id (or the app's id) — they own the thread if nobody does. */
  | { kind: 'human-replied'; author: string | null }
  | { kind: 'assigned'; assignee: string | null }
  | { kind: 'closed'; outcome: 'won' | 'lost' | null; reason: string | null }
  | { kind: 'named'; customerName: string | null };

/** The SET clause of a change and its parameters (from `$4`). */
function changeSql(c: ThreadChange): [string, unknown[]] {
  switch (c.kind) {
    case 'customer-replied':
      // A customer's message reopens the thread and waits for a person from its time.
      return [
        `last_message_at = greatest(last_message_at, $4), first_customer_reply_at = coalesce(first_customer_reply_at, $4),
         waiting_since = CASE WHEN $5 THEN coalesce(waiting_since, $4) ELSE waiting_since END,
         status = 'open', close_outcome = NULL, close_reason = NULL`,
        [c.at, c.waits],
      ];
    case 'automation-off':
      return ['automation = false', []];
    case 'urgent':
      return ['urgent = true', []];
    case 'on-call-notified':
      return ['on_call_notified_at = now()', []];
    case 'follow-up-asked':
      return ['follow_ups_asked = follow_ups_asked + 1', []];
    case 'human-replied':
      return [
        `automation = false, assigned_to = coalesce(assigned_to, $4), first_human_reply_at = coalesce(first_human_reply_at, now()),
         waiting_since = NULL, status = 'open', close_outcome = NULL, close_reason = NULL`,
        [c.author],
      ];
    case 'assigned':
      return ['assigned_to = $4', [c.assignee]];
    case 'closed':
      return [
        `status = 'closed', automation = false, waiting_since = NULL, close_outcome = $4, close_reason = $5`,
        [c.outcome, c.reason],
      ];
    case 'named':
      return ['customer_name = $4', [c.customerName]];
  }
}

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

  /** Changes one thread; false when it is not in scope. */
  async update(
    sql: Sql,
    scope: TenantScope,
    threadId: string,
    change: ThreadChange,
  ): Promise<boolean> {
    const [set, extra] = changeSql(change);
    const updated = await sql.mutate(
      `UPDATE thread SET ${set} WHERE thread_id = $1 AND ${inScope(2)}`,
      [threadId, ...scopeParams(scope), ...extra],
    );
    return updated > 0;
  },

  /**
   * An opt-out ends automation in the customer's threads (of the brand, or of the locations whose
   * number it was sent to) and marks them; an opt-in lifts the mark (automation stays off).
   */
  async consentChanged(
    db: Database,
    scope: TenantScope,
    c: { customerNumber: E164; optedOut: boolean; locationIds: readonly string[] | null },
  ): Promise<void> {
    await db.mutate(
      `UPDATE thread SET opted_out = $3, automation = automation AND NOT $3
       WHERE tenant_id = $1 AND customer_number = $2 AND ($4::text[] IS NULL OR location_id = ANY($4::text[]))`,
      [scope.tenantId, c.customerNumber, c.optedOut, c.locationIds ? [...c.locationIds] : null],
    );
  },

  /** First human replies against 5 / 15 / 60 minutes and the same day (the location's calendar). */
  async responseTimes(db: Database, scope: TenantScope, since: Date) {
    const r = await db.selectOne(
      ResponseTimesRow,
      `WITH replied AS (
         SELECT thread.first_customer_reply_at AS asked, thread.first_human_reply_at AS answered,
                coalesce(d.profile->>'timezone', 'UTC') AS zone
         FROM thread LEFT JOIN location_directory d USING (location_id)
         WHERE ${inScope(1)} AND thread.first_customer_reply_at >= $3)
       SELECT count(*) AS threads,
              count(answered) AS answered,
              count(*) FILTER (WHERE answered - asked <= interval '5 minutes') AS w5,
              count(*) FILTER (WHERE answered - asked <= interval '15 minutes') AS w15,
              count(*) FILTER (WHERE answered - asked <= interval '60 minutes') AS w60,
              count(*) FILTER (WHERE (answered AT TIME ZONE zone)::date = (asked AT TIME ZONE zone)::date) AS same_day,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered - asked)) AS median
       FROM replied`,
      [...scopeParams(scope), since],
    );
    return {
      threads: r.threads,
      answered: r.answered,
      within5m: r.w5,
      within15m: r.w15,
      within60m: r.w60,
      sameDay: r.sameDay,
      medianSeconds: r.median,
    };
  },
};
