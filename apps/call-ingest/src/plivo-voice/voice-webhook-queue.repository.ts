import { z } from 'zod';
import {
  col,
  webhookNonces,
  type Database,
  type SystemScope,
  type Tx,
  type WebhookAcceptance,
  type WebhookQueue,
} from '@textback/persistence';
import type { VoiceWebhookKind } from './plivo-call.repository';

/** The call's parties, as every callback carries them (null in rows from before they were kept). */
const parties = { from: z.string().nullish(), to: z.string().nullish() };

/** What a later voice webhook says, kept with its row until it is applied to the call. */
export const VoiceWebhookFields = z.discriminatedUnion('kind', [
  z.object({
    ...parties,
    kind: z.literal('dial-action'),
    status: z.string(),
    bLegUuid: z.string(),
    hangupCause: z.string(),
  }),
  z.object({
    ...parties,
    kind: z.literal('dial-event'),
    leg: z.enum(['answered', 'connected', 'other']),
  }),
  z.object({
    ...parties,
    kind: z.literal('hangup'),
    cause: z.string(),
    source: z.string(),
    durationSeconds: z.number().int().nullable(),
  }),
]);
export type VoiceWebhookFields = z.output<typeof VoiceWebhookFields>;

const PendingWebhook = z.object({
  seq: col.bigint,
  callUuid: col.text,
  fields: col.json.pipe(VoiceWebhookFields),
  receivedAt: col.timestamp,
});
export type PendingWebhook = z.output<typeof PendingWebhook>;

export interface VoiceWebhookToQueue {
  nonce: string;
  callUuid: string;
  detail: string;
  fields: VoiceWebhookFields;
}

const VOICE_WEBHOOK_QUEUE: WebhookQueue = {
  table: 'plivo_webhook',
  columns: [
    { name: 'call_uuid', type: 'text' },
    { name: 'kind', type: 'text' },
    { name: 'detail', type: 'text' },
    { name: 'fields', type: 'jsonb' },
  ],
  key: ['call_uuid', 'kind', 'detail'],
};

/**
 * Voice webhooks after answer_url: acknowledged once their row is durable (one statement on the
 * request path), applied to their calls afterwards in batches. Plivo's callbacks name a call,
 * not a tenant, so these run under a system scope.
 */
export const voiceWebhookQueue = {
  /**
   * One statement for a group of webhooks: each one's nonce, then its row (see
   * `webhookNonces.acceptEach`): 'replayed', 'repeated' (this (call, kind, detail) came before
   * under another nonce: Plivo's retry, which changes nothing) or 'accepted', one per webhook.
   */
  acceptEach(
    db: Database,
    _scope: SystemScope,
    hooks: readonly VoiceWebhookToQueue[],
  ): Promise<WebhookAcceptance[]> {
    return webhookNonces.acceptEach(
      db,
      VOICE_WEBHOOK_QUEUE,
      hooks.map((h) => ({
        nonce: h.nonce,
        values: [
          h.callUuid,
          h.fields.kind satisfies VoiceWebhookKind,
          h.detail,
          JSON.stringify(h.fields),
        ],
      })),
    );
  },

  /** The oldest webhooks not yet applied, locked (another replica's worker takes others). */
  pending(tx: Tx, _scope: SystemScope, limit: number): Promise<PendingWebhook[]> {
    return tx.select(
      PendingWebhook,
      `SELECT seq, call_uuid, fields, received_at FROM plivo_webhook
       WHERE applied_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  },

  async markApplied(tx: Tx, _scope: SystemScope, seqs: readonly number[]): Promise<void> {
    await tx.mutate('UPDATE plivo_webhook SET applied_at = now() WHERE seq = ANY($1::bigint[])', [
      seqs,
    ]);
  },
};
