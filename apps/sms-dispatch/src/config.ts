import { z } from 'zod';
import { plivoConfigShape } from '@textback/carrier-plivo';
import { E164 } from '@textback/contracts';
import { defineConfig, parseConfig, serviceDefault } from '@textback/service-kit';

export const smsDispatchConfigSchema = defineConfig({
  ...plivoConfigShape,
  /** Where compliance answers "may we text this number now?" just before each send. */
  COMPLIANCE_URL: z.url().default('http://127.0.0.1:3005'),
  COMPLIANCE_TIMEOUT_MS: z.coerce.number().int().min(50).default(2_000),
  /** Bearer key for compliance's `/internal/...` endpoints; from a Secret. */
  SERVICE_API_KEY: z.string().min(16, 'must be at least 16 characters'),
  /**
   * The platform's own number (E.164) that texts staff their sign-in links: never a business
   * number, so a staff text never lands in a customer's thread. Unset: no staff texts.
   */
  PLATFORM_SENDER_NUMBER: E164.optional(),
  /**
   * The sandbox carrier: a Plivo fake the partners' sandbox brands text through (the same account
   * credentials). Unset: a sandbox's texts are refused, never sent for real.
   */
  SANDBOX_PLIVO_API_URL: z.url().optional(),
  /** This service's URL as Plivo calls it (delivery reports). Defaults to the listening address. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** Per sending number (unregistered US long code: 1 msg/s; plivo.md §2.5). */
  SENDER_MESSAGES_PER_SECOND: z.coerce.number().positive().default(1),
  /** Per 10DLC campaign across its numbers (standard tier 3.75–15 msg/s). */
  CAMPAIGN_MESSAGES_PER_SECOND: z.coerce.number().positive().default(4),
  /** Per brand per day, when the tenant sets no cap of its own. */
  BRAND_DAILY_CAP: z.coerce.number().int().positive().default(2_000),
  /** The send worker's safety net: it is woken when a send falls due (SendSchedule). */
  DISPATCH_POLL_MS: z.coerce.number().int().min(10).default(1_000),
  /** `sms.sent`/`delivered`/`failed` feed threads and reports: they may wait a moment, together. */
  OUTBOX_LINGER_MS: serviceDefault('OUTBOX_LINGER_MS', 100),
  /**
   * A delivery report is applied within this long of its acknowledgement, together with the
   * others of that moment (one transaction for many): nothing waits on it but a status tick.
   */
  DELIVERY_REPORT_APPLY_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(250),
  /** Attempts at a send the carrier definitely refused (429, connection refused) before giving up. */
  SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(8),
  SEND_RETRY_INITIAL_MS: z.coerce.number().int().min(1).default(1_000),
  SEND_RETRY_MAX_MS: z.coerce.number().int().min(1).default(60_000),
  /** How long an ambiguous send waits for its delivery report before the carrier's record is checked. */
  RECONCILE_AFTER_MS: z.coerce.number().int().min(0).default(60_000),
});
export type SmsDispatchConfig = z.infer<typeof smsDispatchConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadSmsDispatchConfig(env: Record<string, string | undefined>): SmsDispatchConfig {
  return parseConfig('sms-dispatch', smsDispatchConfigSchema, { HTTP_PORT: '3003', ...env });
}
