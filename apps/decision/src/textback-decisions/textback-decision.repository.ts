import { z } from 'zod';
import type { CallOutcome, E164 } from '@textback/contracts';
import { lineTypes, type LineType } from '@textback/domain';
import { col, scopeParams, type Database, type TenantScope, type Tx } from '@textback/persistence';

const DecisionRow = z.object({
  callId: col.text,
  tenantId: col.tenantId,
  locationId: col.locationId,
  callerNumber: col.e164,
  callOutcome: col.text,
  outcome: z.enum(['requested', 'suppressed']),
  reason: col.text.nullable(),
  textbackId: col.uuid.nullable(),
  sendAfter: col.timestamp.nullable(),
  decidedAt: col.timestamp,
});
export type DecisionRow = z.output<typeof DecisionRow>;

const CallerFacts = z.object({
  lastTextbackAt: col.timestamp.nullable(),
  cachedLineType: z.enum(lineTypes).nullable(),
});

/** Decisions, one per call. */
export const textbackDecisionRepository = {
  /**
   * The facts about the caller this service keeps, in one statement: when they were last texted
   * from the location for another call (the cool-down), and their line type if looked up within
   * `lineTypeMaxAgeDays` (a carrier fact shared by every tenant, paid once).
   */
  async callerFacts(
    db: Database,
    scope: TenantScope,
    call: { locationId: string; callerNumber: E164; callId: string },
    lineTypeMaxAgeDays: number,
  ): Promise<{ lastTextbackAt: Date | undefined; cachedLineType: LineType | undefined }> {
    const row = await db.selectOne(
      CallerFacts,
      `SELECT
         (SELECT max(decided_at) FROM textback_decision
           WHERE tenant_id = $1 AND location_id = $2 AND caller_number = $3 AND outcome = 'requested' AND call_id <> $4
         ) AS last_textback_at,
         (SELECT line_type FROM line_type WHERE phone_number = $3 AND looked_up_at > now() - make_interval(days => $5)
         ) AS cached_line_type`,
      [scope.tenantId, call.locationId, call.callerNumber, call.callId, lineTypeMaxAgeDays],
    );
    return {
      lastTextbackAt: row.lastTextbackAt ?? undefined,
      cachedLineType: row.cachedLineType ?? undefined,
    };
  },

  /** False when the call was decided before (the same call reported twice). */
  async insert(
    tx: Tx,
    scope: TenantScope,
    d: {
      callId: string;
      locationId: string;
      callerNumber: E164;
      callOutcome: CallOutcome;
      outcome: 'requested' | 'suppressed';
      reason: string | null;
      textbackId: string | null;
      sendAfter: Date | null;
      decidedAt: string;
      causedByEvent: string;
    },
  ): Promise<boolean> {
    const inserted = await tx.mutate(
      `INSERT INTO textback_decision (call_id, tenant_id, location_id, caller_number, call_outcome, outcome, reason, textback_id, send_after, decided_at, caused_by_event)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (call_id) DO NOTHING`,
      [
        d.callId,
        scope.tenantId,
        d.locationId,
        d.callerNumber,
        d.callOutcome,
        d.outcome,
        d.reason,
        d.textbackId,
        d.sendAfter,
        d.decidedAt,
        d.causedByEvent,
      ],
    );
    return inserted > 0;
  },

  byCall(db: Database, scope: TenantScope, callId: string): Promise<DecisionRow | undefined> {
    return db.selectFirst(
      DecisionRow,
      `SELECT * FROM textback_decision WHERE call_id = $1 AND tenant_id = $2
         AND ($3::text[] IS NULL OR location_id = ANY($3::text[]))`,
      [callId, ...scopeParams(scope)],
    );
  },
};

/**
 * Line types from Lookup. Not a tenant's data: a carrier fact about a number, shared by every
 * tenant (one lookup, paid once), so these statements take no scope.
 */
export const lineTypeRepository = {
  /**
   * Caches Lookup's answer. In a consumer's unit the answers are gathered and written in one
   * statement before it commits (a unit that fails asks Lookup again when it is redone).
   */
  async remember(db: Database, number: E164, type: LineType): Promise<void> {
    const batch = db.batchOf();
    if (batch) {
      batch.tx
        .gathered(LINE_TYPES, () => new Map<E164, LineType>(), writeLineTypes)
        .set(number, type);
      return;
    }
    await writeLineTypes(db, new Map([[number, type]]));
  },
};

const LINE_TYPES = { gathering: 'line_type' };

async function writeLineTypes(
  sql: Tx | Database,
  types: ReadonlyMap<E164, LineType>,
): Promise<void> {
  await sql.mutate(
    `INSERT INTO line_type (phone_number, line_type) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (phone_number) DO UPDATE SET line_type = EXCLUDED.line_type, looked_up_at = now()`,
    [[...types.keys()], [...types.values()]],
  );
}
