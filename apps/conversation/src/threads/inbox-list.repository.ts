import { z } from 'zod';
import { LeadStatus } from '@textback/contracts';
import type { InboxCursor, InboxOrder } from '@textback/domain';
import { col, scopeParams, type Sql, type TenantScope } from '@textback/persistence';
import { inScope } from './threads.repository';

export const InboxListRow = z.object({
  threadId: col.uuid,
  locationId: col.locationId,
  customerNumber: col.e164,
  customerName: col.text.nullable(),
  status: z.enum(['open', 'closed']),
  closeOutcome: z.enum(['won', 'lost']).nullable(),
  urgent: col.bool,
  optedOut: col.bool,
  assignedTo: col.text.nullable(),
  assigneeName: col.text.nullable(),
  waitingSince: col.timestamp.nullable(),
  lastMessageAt: col.timestamp,
  leadStatus: LeadStatus.nullable(),
  /** The last message, for the list's preview line. */
  preview: col.text.nullable(),
  /** The sort key's timestamp as PostgreSQL prints it (microseconds kept, for the cursor). */
  sortAt: col.text,
});
export type InboxListRow = z.output<typeof InboxListRow>;

export interface InboxFilter {
  locationId?: string | undefined;
  status?: 'open' | 'closed' | undefined;
  urgent?: boolean | undefined;
  /** A user id, or `none` for unassigned threads. */
  assignee?: string | undefined;
  /** Words of a name, digits of a number, or text of a message. */
  search?: string | undefined;
  order: InboxOrder;
  limit: number;
  cursor?: InboxCursor | undefined;
}

/** `%…%` for ILIKE with the user's own `%`, `_` and `\` taken literally. */
const contains = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The inbox list: filtered, searched, and paged by keyset. `latest`: urgent first, then the latest
 * message; `waiting`: customers waiting for a person, longest first.
 */
export const inboxListRepository = {
  page(sql: Sql, scope: TenantScope, f: InboxFilter): Promise<InboxListRow[]> {
    const digits = f.search?.replace(/\D/g, '') ?? '';
    const waiting = f.order === 'waiting';
    const c = f.cursor;
    // Right after the previous page's last row (its sort key; parameters $11 on).
    const after = !c
      ? 'true'
      : waiting
        ? '(t.waiting_since, t.thread_id) > ($11::timestamptz, $12::uuid)'
        : '(t.urgent, t.last_message_at, t.thread_id) < ($11::boolean, $12::timestamptz, $13::uuid)';
    const cursorParams = !c ? [] : waiting ? [c.at, c.id] : [c.urgent, c.at, c.id];
    return sql.select(
      InboxListRow,
      `SELECT t.thread_id, t.location_id, t.customer_number, t.customer_name, t.status, t.close_outcome,
              t.urgent, t.opted_out, t.assigned_to, m.display_name AS assignee_name, t.waiting_since,
              t.last_message_at, l.status AS lead_status,
              (SELECT body FROM thread_message WHERE thread_id = t.thread_id ORDER BY at DESC, message_id DESC LIMIT 1) AS preview,
              ${waiting ? 't.waiting_since' : 't.last_message_at'}::text AS sort_at
       FROM thread t
       LEFT JOIN lead l ON l.thread_id = t.thread_id
       LEFT JOIN team_member m ON m.tenant_id = t.tenant_id AND m.user_id::text = t.assigned_to
       WHERE ${inScope(1, 't')}
         AND ($3::text IS NULL OR t.location_id = $3)
         AND ($4::text IS NULL OR t.status = $4)
         AND ($5::boolean IS NULL OR t.urgent = $5)
         AND ($6::text IS NULL OR ($6 = 'none' AND t.assigned_to IS NULL) OR t.assigned_to = $6)
         AND ($7::text IS NULL OR t.customer_name ILIKE $7 OR ($8 <> '' AND t.customer_number LIKE '%' || $8 || '%')
              OR EXISTS (SELECT 1 FROM thread_message x WHERE x.thread_id = t.thread_id AND x.body ILIKE $7))
         AND (NOT $9::boolean OR (t.waiting_since IS NOT NULL AND t.status = 'open'))
         AND ${after}
       ORDER BY ${waiting ? 't.waiting_since, t.thread_id' : 't.urgent DESC, t.last_message_at DESC, t.thread_id DESC'}
       LIMIT $10`,
      [
        ...scopeParams(scope),
        f.locationId ?? null,
        f.status ?? null,
        f.urgent ?? null,
        f.assignee ?? null,
        f.search ? contains(f.search) : null,
        digits,
        waiting,
        f.limit,
        ...cursorParams,
      ],
    );
  },
};
