import { z } from 'zod';
import { col, type Database, type SystemScope, type Tx } from '@textback/persistence';

export type VoiceWebhookKind = 'answer' | 'dial-action' | 'dial-event' | 'hangup';

const PlivoCallRow = z.object({
  callUuid: col.text,
  tenantId: col.tenantId,
  locationId: col.locationId,
  businessNumber: col.e164,
  callerNumber: col.e164.nullable(),
  dialed: col.bool,
  screened: col.bool,
  answeredAt: col.timestamp,
  dialStatus: col.text.nullable(),
  dialBLegUuid: col.text.nullable(),
  dialHangupCause: col.text.nullable(),
  dialActionAt: col.timestamp.nullable(),
  bLegAnswered: col.bool,
  bLegConnected: col.bool,
  hangupCause: col.text.nullable(),
  hangupSource: col.text.nullable(),
  durationSeconds: col.int.nullable(),
  hangupAt: col.timestamp.nullable(),
  finalizedAt: col.timestamp.nullable(),
  traceparent: col.text.nullable(),
});
export type PlivoCallRow = z.output<typeof PlivoCallRow>;

/** A call as answer_url decided it. */
export interface NewCall {
  readonly nonce: string;
  readonly callUuid: string;
  readonly tenantId: string;
  readonly locationId: string;
  readonly businessNumber: string;
  readonly callerNumber: string | null;
  readonly dialed: boolean;
  readonly screened: boolean;
  readonly traceparent: string | null;
  readonly answeredAt: Date;
}

const Traced = z.object({ callUuid: col.text, traceparent: col.text.nullable() });

/**
 * A Plivo call assembled from its webhooks. Plivo's callbacks name a call, not a tenant (the
 * signature proves Plivo sent them): after `answer` has stored the call with its location's
 * tenant, the later webhooks find it by CallUUID under a system scope.
 */
export const plivoCallRepository = {
  /**
   * Answers written together (answer_url replies first, from memory): each one's nonce, its
   * webhook row and the call, each written only when the one before was new — one statement
   * for all. Returns the nonces seen before (replays that reached another replica).
   */
  async recordAnswers(
    db: Database,
    _scope: SystemScope,
    answers: readonly NewCall[],
  ): Promise<string[]> {
    const rows = await db.select(
      z.object({ nonce: col.text }),
      `WITH a AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                              $7::boolean[], $8::boolean[], $9::text[], $10::timestamptz[])
           AS a(nonce, call_uuid, tenant_id, location_id, business_number, caller_number, dialed,
                screened, traceparent, answered_at)),
       nonce AS (
         INSERT INTO webhook_nonce (nonce) SELECT nonce FROM a ON CONFLICT DO NOTHING RETURNING nonce),
       hook AS (
         INSERT INTO plivo_webhook (call_uuid, kind, detail, applied_at)
         SELECT a.call_uuid, 'answer', '', now() FROM a JOIN nonce USING (nonce)
         ON CONFLICT DO NOTHING RETURNING call_uuid),
       answered AS (
         INSERT INTO plivo_call (call_uuid, tenant_id, location_id, business_number, caller_number,
                                 dialed, screened, traceparent, answered_at)
         SELECT a.call_uuid, a.tenant_id, a.location_id, a.business_number, a.caller_number,
                a.dialed, a.screened, a.traceparent, a.answered_at
         FROM a JOIN hook USING (call_uuid) ON CONFLICT (call_uuid) DO NOTHING)
       SELECT nonce FROM a WHERE nonce NOT IN (SELECT nonce FROM nonce)`,
      [
        answers.map((a) => a.nonce),
        answers.map((a) => a.callUuid),
        answers.map((a) => a.tenantId),
        answers.map((a) => a.locationId),
        answers.map((a) => a.businessNumber),
        answers.map((a) => a.callerNumber),
        answers.map((a) => a.dialed),
        answers.map((a) => a.screened),
        answers.map((a) => a.traceparent),
        answers.map((a) => a.answeredAt),
      ],
    );
    return rows.map((r) => r.nonce);
  },

  /**
   * A call whose answer was never written (call-ingest died between answering and writing),
   * rebuilt from a later callback, which carries every field of it. Nothing if it exists.
   */
  async rebuild(tx: Tx, _scope: SystemScope, call: Omit<NewCall, 'nonce'>): Promise<void> {
    await tx.mutate(
      `INSERT INTO plivo_call (call_uuid, tenant_id, location_id, business_number, caller_number,
                               dialed, screened, traceparent, answered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (call_uuid) DO NOTHING`,
      [
        call.callUuid,
        call.tenantId,
        call.locationId,
        call.businessNumber,
        call.callerNumber,
        call.dialed,
        call.screened,
        call.traceparent,
        call.answeredAt,
      ],
    );
  },

  async recordDialAction(
    tx: Tx,
    _scope: SystemScope,
    callUuid: string,
    verdict: { status: string; bLegUuid: string; hangupCause: string },
    at: Date,
  ): Promise<void> {
    await tx.mutate(
      `UPDATE plivo_call SET dial_status = $2, dial_b_leg_uuid = $3, dial_hangup_cause = $4, dial_action_at = $5
       WHERE call_uuid = $1 AND dial_action_at IS NULL`,
      [callUuid, verdict.status, verdict.bLegUuid, verdict.hangupCause, at],
    );
  },

  async recordBLeg(
    tx: Tx,
    _scope: SystemScope,
    callUuid: string,
    leg: 'answered' | 'connected',
  ): Promise<void> {
    await tx.mutate(
      leg === 'answered'
        ? 'UPDATE plivo_call SET b_leg_answered = true WHERE call_uuid = $1'
        : 'UPDATE plivo_call SET b_leg_answered = true, b_leg_connected = true WHERE call_uuid = $1',
      [callUuid],
    );
  },

  async recordHangup(
    tx: Tx,
    _scope: SystemScope,
    callUuid: string,
    hangup: { cause: string; source: string; durationSeconds: number | null },
    at: Date,
  ): Promise<void> {
    await tx.mutate(
      `UPDATE plivo_call SET hangup_cause = $2, hangup_source = $3, duration_seconds = $4, hangup_at = $5
       WHERE call_uuid = $1 AND hangup_at IS NULL`,
      [callUuid, hangup.cause, hangup.source, hangup.durationSeconds, at],
    );
  },

  /** The calls not yet classified, locked for classifying (one another transaction is at is skipped). */
  lockForFinalizing(
    tx: Tx,
    _scope: SystemScope,
    callUuids: readonly string[],
  ): Promise<PlivoCallRow[]> {
    return tx.select(
      PlivoCallRow,
      `SELECT * FROM plivo_call WHERE call_uuid = ANY($1::text[]) AND finalized_at IS NULL
       ORDER BY call_uuid FOR UPDATE SKIP LOCKED`,
      [callUuids],
    );
  },

  async markFinalized(
    tx: Tx,
    _scope: SystemScope,
    classified: readonly { callUuid: string; outcome: string }[],
  ): Promise<void> {
    if (classified.length === 0) return;
    await tx.mutate(
      `UPDATE plivo_call c SET outcome = f.outcome, finalized_at = now()
       FROM unnest($1::text[], $2::text[]) AS f(call_uuid, outcome) WHERE c.call_uuid = f.call_uuid`,
      [classified.map((c) => c.callUuid), classified.map((c) => c.outcome)],
    );
  },

  /** The traces of these calls (each later webhook's work continues its call's trace). */
  async tracesOf(
    tx: Tx,
    _scope: SystemScope,
    callUuids: readonly string[],
  ): Promise<Map<string, string | null>> {
    const rows = await tx.select(
      Traced,
      'SELECT call_uuid, traceparent FROM plivo_call WHERE call_uuid = ANY($1::text[])',
      [callUuids],
    );
    return new Map(rows.map((r) => [r.callUuid, r.traceparent]));
  },

  /** Calls whose Dial verdict is overdue (or whose hangup never came), every tenant's. */
  overdue(db: Database, _scope: SystemScope, graceMs: number): Promise<z.output<typeof Traced>[]> {
    return db.select(
      Traced,
      `SELECT call_uuid, traceparent FROM plivo_call WHERE finalized_at IS NULL
       AND ((hangup_at IS NOT NULL AND hangup_at < now() - make_interval(secs => $1::double precision / 1000))
         OR (dial_action_at IS NOT NULL AND dial_action_at < now() - interval '10 minutes'))
       LIMIT 100`,
      [graceMs],
    );
  },
};
