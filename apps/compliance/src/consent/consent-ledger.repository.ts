import { z } from 'zod';
import { ConsentSource, type E164 } from '@textback/contracts';
import {
  col,
  type Database,
  type Sql,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';

const ConsentChangeRow = z.object({
  seq: col.bigint,
  tenantId: col.tenantId,
  phoneNumber: col.e164,
  scope: z.enum(['tenant', 'number']),
  channelNumber: col.e164.nullable(),
  state: z.enum(['opted-out', 'opted-in']),
  source: ConsentSource,
  detail: col.text.nullable(),
  messageId: col.text.nullable(),
  messageText: col.text.nullable(),
  actor: col.text.nullable(),
  reason: col.text.nullable(),
  changedAt: col.timestamp,
  textRedactedAt: col.timestamp.nullable(),
});
export type ConsentChangeRow = z.output<typeof ConsentChangeRow>;

export interface NewConsentChange {
  readonly phoneNumber: E164;
  readonly state: 'opted-out' | 'opted-in';
  readonly source: ConsentSource;
  readonly scope: 'tenant' | 'number';
  readonly channelNumber?: E164 | undefined;
  /** What matched: the keyword, the plain-words rule, the carrier error code. */
  readonly detail?: string | undefined;
  /** The message (or report) that caused it: one change per message and source. */
  readonly messageId?: string | undefined;
  readonly messageText?: string | undefined;
  readonly actor?: string | undefined;
  readonly reason?: string | undefined;
}

const Appended = z.object({ changedAt: col.timestamp });
const State = z.object({ state: z.enum(['opted-in', 'opted-out']) });

/** The consent ledger (append-only) and the review queue of texts a person should read. */
export const consentLedgerRepository = {
  /** Appends a change; undefined when this message already changed consent from this source. */
  async append(
    tx: Tx,
    scope: TenantScope,
    c: NewConsentChange,
  ): Promise<{ changedAt: Date } | undefined> {
    return tx.selectFirst(
      Appended,
      `INSERT INTO consent_change (tenant_id, phone_number, scope, channel_number, state, source, detail, message_id, message_text, actor, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (message_id, source) WHERE message_id IS NOT NULL DO NOTHING RETURNING changed_at`,
      [
        scope.tenantId,
        c.phoneNumber,
        c.scope,
        c.channelNumber ?? null,
        c.state,
        c.source,
        c.detail ?? null,
        c.messageId ?? null,
        c.messageText ?? null,
        c.actor ?? null,
        c.reason ?? null,
      ],
    );
  },

  /** The latest change covering texting `phoneNumber` from `channelNumber` (brand-wide or that number). */
  async latestState(
    sql: Sql,
    scope: TenantScope,
    phoneNumber: E164,
    channelNumber: E164 | undefined,
  ): Promise<'opted-in' | 'opted-out' | undefined> {
    const row = await sql.selectFirst(
      State,
      `SELECT state FROM consent_change WHERE tenant_id = $1 AND phone_number = $2 AND (scope = 'tenant' OR channel_number = $3)
       ORDER BY seq DESC LIMIT 1`,
      [scope.tenantId, phoneNumber, channelNumber ?? ''],
    );
    return row?.state;
  },

  /**
   * `latestState` for many (tenant, number, channel) at once, in order: one statement for the
   * group of sends sms-dispatch is about to make. Each check names its own tenant.
   */
  async latestStates(
    sql: Sql,
    _scope: SystemScope,
    checks: readonly { tenantId: string; phoneNumber: E164; channelNumber?: E164 | undefined }[],
  ): Promise<('opted-in' | 'opted-out' | undefined)[]> {
    const rows = await sql.select(
      z.object({ state: State.shape.state.nullable() }),
      `SELECT latest.state FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS q(tenant_id, phone_number, channel_number, n)
       LEFT JOIN LATERAL (
         SELECT c.state FROM consent_change c
         WHERE c.tenant_id = q.tenant_id AND c.phone_number = q.phone_number AND (c.scope = 'tenant' OR c.channel_number = q.channel_number)
         ORDER BY c.seq DESC LIMIT 1) latest ON true
       ORDER BY q.n`,
      [
        checks.map((c) => c.tenantId),
        checks.map((c) => c.phoneNumber),
        checks.map((c) => c.channelNumber ?? ''),
      ],
    );
    return rows.map((r) => r.state ?? undefined);
  },

  history(db: Database, scope: TenantScope, phoneNumber?: E164): Promise<ConsentChangeRow[]> {
    return db.select(
      ConsentChangeRow,
      `SELECT * FROM consent_change WHERE tenant_id = $1 AND ($2::text IS NULL OR phone_number = $2) ORDER BY seq`,
      [scope.tenantId, phoneNumber ?? null],
    );
  },

  async flagForReview(
    tx: Tx,
    scope: TenantScope,
    review: {
      messageId: string;
      locationId: string;
      phoneNumber: E164;
      verdict: 'ambiguous' | 'revocation';
      rule: string;
      messageText: string;
    },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO consent_review (message_id, tenant_id, location_id, phone_number, verdict, rule, message_text)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        review.messageId,
        scope.tenantId,
        review.locationId,
        review.phoneNumber,
        review.verdict,
        review.rule,
        review.messageText,
      ],
    );
  },

  /** Every tenant's message texts older than the cutoff, redacted; returns how many rows. */
  async redactTextsBefore(db: Database, _scope: SystemScope, cutoff: Date): Promise<number> {
    const changes = await db.mutate(
      `UPDATE consent_change SET message_text = NULL, text_redacted_at = now() WHERE message_text IS NOT NULL AND changed_at < $1`,
      [cutoff],
    );
    const reviews = await db.mutate(
      `UPDATE consent_review SET message_text = NULL WHERE message_text IS NOT NULL AND flagged_at < $1`,
      [cutoff],
    );
    return changes + reviews;
  },
};
