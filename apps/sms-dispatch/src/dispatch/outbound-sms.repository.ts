import { z } from 'zod';
import { SmsPurpose, type E164 } from '@textback/contracts';
import {
  col,
  tenantScope,
  type Database,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';

export const OutboundSmsRow = z.object({
  smsId: col.uuid,
  textbackId: col.uuid.nullable(),
  tenantId: col.tenantId,
  /** None for a text to staff (from the platform's own number). */
  locationId: col.locationId.nullable(),
  callId: col.text,
  fromNumber: col.e164,
  toNumber: col.e164,
  body: col.text.nullable(),
  segments: col.int,
  encoding: z.enum(['GSM-7', 'UCS-2']),
  state: z.enum(['pending', 'sending', 'unknown', 'accepted', 'delivered', 'failed', 'suppressed']),
  attempts: col.int,
  sendingStartedAt: col.timestamp.nullable(),
  carrierMessageId: col.text.nullable(),
  lastSequence: col.bigint,
  purpose: SmsPurpose,
  requestedAt: col.timestamp.nullable(),
  traceparent: col.text.nullable(),
  callEndedAt: col.timestamp.nullable(),
});
export type OutboundSmsRow = z.output<typeof OutboundSmsRow>;

/** A claimed send, with when texts to its number went out in the day before the claim (the frequency caps). */
export const ClaimedSend = OutboundSmsRow.extend({ acceptedInLastDay: z.array(col.timestamp) });
export type ClaimedSend = z.output<typeof ClaimedSend>;

/** The scope of a send the worker claimed: its own tenant and location (a staff text: its tenant). */
export const scopeOfSend = (row: Pick<OutboundSmsRow, 'tenantId' | 'locationId'>): TenantScope =>
  tenantScope(row.tenantId, row.locationId ? [row.locationId] : 'all');

/** A send by id ($1) within its tenant ($2). */
export const tenantAnd = 'tenant_id = $2 AND sms_id = $1';

/** Sends (one row per text, unique per location + call or request) and their delivery reports. */
export const outboundSmsRepository = {
  /** A requested text-back; nothing when this call's text-back is already recorded. */
  async insertTextback(
    tx: Tx,
    scope: TenantScope,
    s: {
      smsId: string;
      textbackId: string;
      locationId: string;
      callId: string;
      from: E164;
      to: E164;
      body: string;
      segments: number;
      encoding: 'GSM-7' | 'UCS-2';
      dueAt: string;
      traceparent: string | null;
      callEndedAt: string | undefined;
    },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO outbound_sms (sms_id, textback_id, tenant_id, location_id, call_id, from_number, to_number, body, segments, encoding, state, due_at, traceparent, call_ended_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12, $13) ON CONFLICT (location_id, call_id) DO NOTHING`,
      [
        s.smsId,
        s.textbackId,
        scope.tenantId,
        s.locationId,
        s.callId,
        s.from,
        s.to,
        s.body,
        s.segments,
        s.encoding,
        s.dueAt,
        s.traceparent,
        s.callEndedAt ?? null,
      ],
    );
  },

  /**
   * A requested reply (HELP, confirmation, operator, follow-up, alert) or a text to staff (no
   * location: from the platform's number): one per request id.
   */
  async insertReply(
    tx: Tx,
    scope: TenantScope,
    s: {
      smsId: string;
      locationId: string | null;
      requestId: string;
      from: E164;
      to: E164;
      body: string;
      segments: number;
      encoding: 'GSM-7' | 'UCS-2';
      purpose: SmsPurpose;
      requestedAt: string;
      traceparent: string | null;
      dueAt: Date;
    },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO outbound_sms (sms_id, tenant_id, location_id, call_id, from_number, to_number, body, segments, encoding, state, due_at, purpose, requested_at, traceparent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $13, $10, $11, $12) ON CONFLICT DO NOTHING`,
      [
        s.smsId,
        scope.tenantId,
        s.locationId,
        s.requestId,
        s.from,
        s.to,
        s.body,
        s.segments,
        s.encoding,
        s.purpose,
        s.requestedAt,
        s.traceparent,
        s.dueAt,
      ],
    );
  },

  /** Sends caught mid-call by a crash may or may not have reached the carrier: to settle, never resend. */
  async markStaleSendingUnknown(
    db: Database,
    _scope: SystemScope,
    olderThanMs: number,
    now: Date,
    reconcileAt: Date,
  ): Promise<number> {
    return db.mutate(
      `UPDATE outbound_sms SET state = 'unknown', due_at = $3, updated_at = now()
       WHERE state = 'sending' AND sending_started_at < $2::timestamptz - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs, now, reconcileAt],
    );
  },

  /**
   * Claims up to `limit` sends of every tenant due at `now`: pending ones move to `sending` (one
   * attempt more), unknown ones stay unknown; both are leased for a minute.
   */
  claimDue(db: Database, _scope: SystemScope, limit: number, now: Date): Promise<ClaimedSend[]> {
    return db.select(
      ClaimedSend,
      `WITH claimed AS (
         UPDATE outbound_sms SET state = CASE WHEN state = 'pending' THEN 'sending' ELSE state END,
           attempts = attempts + CASE WHEN state = 'pending' THEN 1 ELSE 0 END,
           sending_started_at = CASE WHEN state = 'pending' THEN $2 ELSE sending_started_at END,
           due_at = $2::timestamptz + interval '1 minute', updated_at = now()
         WHERE sms_id IN (SELECT sms_id FROM outbound_sms WHERE state IN ('pending', 'unknown') AND due_at <= $2
                          ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING *)
       SELECT claimed.*, ARRAY(
         SELECT o.updated_at FROM outbound_sms o
         WHERE o.tenant_id = claimed.tenant_id AND o.to_number = claimed.to_number
           AND o.state IN ('accepted', 'delivered') AND o.updated_at > $2::timestamptz - interval '24 hours'
       ) AS accepted_in_last_day
       FROM claimed`,
      [limit, now],
    );
  },

  /** Not now: back to pending at `at` (the attempt does not count). */
  async backToPending(
    db: Database,
    scope: TenantScope,
    smsId: string,
    when: { at: Date; reason: string },
  ): Promise<void> {
    await db.mutate(
      `UPDATE outbound_sms SET state = 'pending', attempts = attempts - 1, error_reason = $3, due_at = $4, updated_at = now()
       WHERE ${tenantAnd}`,
      [smsId, scope.tenantId, when.reason.slice(0, 200), when.at],
    );
  },

  /**
   * A send the carrier call left open: `unknown` (an ambiguous answer: check the carrier's record
   * at `at`, never resend blindly) or `pending` (a retryable refusal: the attempt counts).
   */
  async reschedule(
    db: Database,
    scope: TenantScope,
    smsId: string,
    to: 'unknown' | 'pending',
    why: { reason: string; at: Date },
  ): Promise<void> {
    await db.mutate(
      `UPDATE outbound_sms SET state = $3, error_reason = $4, due_at = $5, updated_at = now()
       WHERE ${tenantAnd} AND state = 'sending'`,
      [smsId, scope.tenantId, to, why.reason, why.at],
    );
  },

  /** The carrier's record was unavailable: look again at `at`. */
  async recheckAt(db: Database, scope: TenantScope, smsId: string, at: Date): Promise<void> {
    await db.mutate(`UPDATE outbound_sms SET due_at = $3 WHERE ${tenantAnd}`, [
      smsId,
      scope.tenantId,
      at,
    ]);
  },

  /** Which of these carrier message ids are recorded for a send (of this tenant). */
  async withCarrierIds(
    db: Database,
    scope: TenantScope,
    ids: readonly string[],
  ): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db.select(
      z.object({ carrierMessageId: col.text }),
      'SELECT carrier_message_id FROM outbound_sms WHERE tenant_id = $1 AND carrier_message_id = ANY($2::text[])',
      [scope.tenantId, ids],
    );
    return new Set(rows.map((r) => r.carrierMessageId));
  },

  /** An ambiguous send the carrier has no record of: safe to send again, now. */
  async resendUnknown(db: Database, scope: TenantScope, smsId: string, now: Date): Promise<void> {
    await db.mutate(
      `UPDATE outbound_sms SET state = 'pending', due_at = $3, updated_at = now() WHERE ${tenantAnd} AND state = 'unknown'`,
      [smsId, scope.tenantId, now],
    );
  },
};
