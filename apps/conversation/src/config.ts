import { z } from 'zod';
import { plivoConfigShape } from '@textback/carrier-plivo';
import { E164 } from '@textback/contracts';
import { defineConfig, parseConfig, serviceDefault } from '@textback/service-kit';

export const conversationConfigSchema = defineConfig({
  /** Threads follow the texts sent: a little later costs nobody (bigger batches). */
  KAFKA_CONSUMER_LINGER_MS: serviceDefault('KAFKA_CONSUMER_LINGER_MS', 100),
  /** Leads, replies and alerts may wait a moment for their peers (no caller is on the line). */
  OUTBOX_LINGER_MS: serviceDefault('OUTBOX_LINGER_MS', 100),
  PLIVO_AUTH_TOKEN: plivoConfigShape.PLIVO_AUTH_TOKEN,
  /** compliance reads every inbound text before we acknowledge it (an acknowledged STOP is already recorded). */
  COMPLIANCE_URL: z.url().default('http://127.0.0.1:3005'),
  COMPLIANCE_TIMEOUT_MS: z.coerce.number().int().min(50).default(2_000),
  /** Bearer key of compliance's `/internal/...` routes; from a Secret. */
  SERVICE_API_KEY: z.string().min(16, 'must be at least 16 characters'),
  /**
   * The key ring that seals tenants' secrets at rest (`{"keys":[{"kid","key":<32 bytes base64>}]}`,
   * oldest first; the last seals); from a Secret. Rotation: docs/operations.md.
   */
  TENANT_SECRETS_KEYS: z.string().min(1),
  CRM_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(8),
  CRM_RETRY_INITIAL_MS: z.coerce.number().int().min(1).default(2_000),
  CRM_RETRY_MAX_MS: z.coerce.number().int().min(1).default(600_000),
  CRM_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  CRM_POLL_MS: z.coerce.number().int().min(10).default(500),
  PLIVO_MAIN_ACCOUNT_TOKEN: plivoConfigShape.PLIVO_MAIN_ACCOUNT_TOKEN,
  /**
   * How often an open inbox stream re-checks its session (and so how soon a revoked session or a
   * removed member stops receiving): within an access token's lifetime (default 5 minutes, at
   * most 15). Each check is one token trade at the gateway (and one audit entry).
   */
  STREAM_RECHECK_SECONDS: z.coerce.number().int().min(1).max(900).default(240),
  /** This service's URL as Plivo calls it (the application's message_url). Defaults to the listening address. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** The deployment's own number (staff texts come from it): texts to it are staff's, never a customer's. */
  PLATFORM_SENDER_NUMBER: E164.optional(),
  /**
   * Days a thread may be quiet before what was written in it (messages, notes, drafts, alert
   * texts, the customer's name) is removed; checked every `REDACTION_INTERVAL_MS`.
   */
  CONVERSATION_TEXT_RETENTION_DAYS: z.coerce.number().int().min(1).default(365),
  REDACTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /** How often waiting threads are escalated and staff alerts sent. */
  ALERT_POLL_MS: z.coerce.number().int().min(10).default(1_000),
  /** Web Push (VAPID, RFC 8292): the public key pages subscribe with, and its private key from a Secret. */
  VAPID_PUBLIC_KEY: z.string().min(20).optional(),
  VAPID_PRIVATE_KEY: z.string().min(20).optional(),
  /** Who runs the deployment, as push services may contact them (`mailto:` or an https URL). */
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:)/, 'must be a mailto: or https: URL')
    .default('mailto:ops@textback.invalid'),
  /** The SMTP server for alerts by e-mail (`smtp://…` or `smtps://…`): from a Secret. Unset: no e-mail alerts. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Textback <no-reply@textback.invalid>'),
});
export type ConversationConfig = z.infer<typeof conversationConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadConversationConfig(
  env: Record<string, string | undefined>,
): ConversationConfig {
  return parseConfig('conversation', conversationConfigSchema, { HTTP_PORT: '3004', ...env });
}
