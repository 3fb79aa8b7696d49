import type { E164 } from '@textback/contracts';
import { type TenantScope, type Tx } from '@textback/persistence';

/**
 * Replies (the customer's and a person's) per location and number, and the matching of each
 * texted call to the first reply after its text: recomputed from the stored facts, so events in
 * any order give the same answer.
 */
export const replyEventsRepository = {
  async reply(
    tx: Tx,
    _scope: TenantScope,
    r: {
      eventId: string;
      locationId: string;
      number: E164;
      kind: 'customer' | 'human';
      at: string;
    },
  ): Promise<void> {
    await tx.mutate(
      'INSERT INTO reply_event (event_id, location_id, number, kind, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [r.eventId, r.locationId, r.number, r.kind, r.at],
    );
  },

  /**
   * Recomputes, for every texted call from this number at this location, the customer's first
   * reply after that text (and before the next one) and the first human message after it. From
   * the stored facts, not the arrival order: a replay in any order gives the same answer.
   */
  async settleReplies(tx: Tx, scope: TenantScope, locationId: string, number: E164): Promise<void> {
    await tx.mutate(
      `WITH texted AS (
         SELECT call_id, text_sent_at, lead(text_sent_at) OVER (ORDER BY text_sent_at) AS next_text_at
         FROM call_report WHERE tenant_id = $3 AND location_id = $1 AND caller_number = $2 AND text_sent_at IS NOT NULL
       ), customer AS (
         SELECT t.call_id, t.next_text_at,
                (SELECT min(r.at) FROM reply_event r WHERE r.location_id = $1 AND r.number = $2 AND r.kind = 'customer'
                   AND r.at >= t.text_sent_at AND r.at < COALESCE(t.next_text_at, 'infinity')) AS first_customer
         FROM texted t
       ), human AS (
         SELECT c.call_id, c.first_customer,
                (SELECT min(r.at) FROM reply_event r WHERE r.location_id = $1 AND r.number = $2 AND r.kind = 'human'
                   AND r.at >= c.first_customer AND r.at < COALESCE(c.next_text_at, 'infinity')) AS first_human
         FROM customer c
       )
       UPDATE call_report cr SET first_customer_reply_at = h.first_customer, first_human_reply_at = h.first_human
       FROM human h WHERE cr.call_id = h.call_id
         AND (cr.first_customer_reply_at IS DISTINCT FROM h.first_customer OR cr.first_human_reply_at IS DISTINCT FROM h.first_human)`,
      [locationId, number, scope.tenantId],
    );
  },
};
