import { z } from 'zod';

/** How the inbox lists threads: urgent then latest message, or longest-waiting customer first. */
export const InboxOrder = z.enum(['latest', 'waiting']);
export type InboxOrder = z.infer<typeof InboxOrder>;

/**
 * Where a page of threads ended: the last row's sort key, so the next page starts right after it
 * however many threads arrive meanwhile (keyset paging; an offset would skip or repeat rows).
 * `at` is PostgreSQL's own text of the timestamp, microseconds included.
 */
const Cursor = z.strictObject({
  order: InboxOrder,
  urgent: z.boolean(),
  at: z.string().min(1).max(40),
  id: z.uuid(),
});
export type InboxCursor = z.infer<typeof Cursor>;

export function encodeInboxCursor(c: InboxCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** The cursor a previous page gave, or why this one is not one (a 400, never a 500). */
export function decodeInboxCursor(
  text: string,
  order: InboxOrder,
): { ok: true; cursor: InboxCursor } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'is not a cursor this inbox gave' };
  }
  const parsed = Cursor.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'is not a cursor this inbox gave' };
  if (parsed.data.order !== order)
    return { ok: false, reason: `was given for order=${parsed.data.order}, not ${order}` };
  return { ok: true, cursor: parsed.data };
}
