import { z } from 'zod';
import { plivoConfigShape } from '@textback/carrier-plivo';
import { defineConfig, parseConfig } from '@textback/service-kit';

export const callIngestConfigSchema = defineConfig({
  /**
   * The platform-wide signature for /v1/call-events (the platform's own phone-system connectors);
   * from a Secret. Tenants' phone systems use their own credential (an access token with
   * `call-events:write`). Unset: only tenant credentials are taken.
   */
  CALL_EVENTS_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  PLIVO_AUTH_TOKEN: plivoConfigShape.PLIVO_AUTH_TOKEN,
  PLIVO_MAIN_ACCOUNT_TOKEN: plivoConfigShape.PLIVO_MAIN_ACCOUNT_TOKEN,
  /**
   * This service's URL as Plivo calls it (e.g. https://voice.example.com). Signatures cover the
   * exact URL, so behind a proxy it must be the outside one. Defaults to the listening address.
   */
  PUBLIC_BASE_URL: z.url().optional(),
  /** Plivo's callback retry fragment added to the URLs we hand it (plivo.md §1.7). */
  PLIVO_CALLBACK_RETRY: z
    .string()
    .regex(/^[a-z]+=[^#\s]+(&[a-z]+=[^#\s]+)*$/)
    .default('rc=3&rp=ct,rt,5xx'),
  /** After the hangup, how long to wait for a late Dial action before classifying without it. */
  PLIVO_DIAL_ACTION_GRACE_MS: z.coerce.number().int().min(0).default(3_000),
  /**
   * How long answered calls wait to be written together after answer_url has replied (0: at the
   * next turn of the event loop, with whatever else arrived meanwhile). The applier writes them
   * first when a callback comes sooner; a crash meanwhile is covered by the rebuild.
   */
  ANSWER_WRITE_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  /**
   * Callbacks are applied within this long of their acknowledgement, with the others of that
   * moment (one transaction): the hangup's wait before the call is classified, at most.
   */
  VOICE_APPLY_DELAY_MS: z.coerce.number().int().min(0).max(1_000).default(20),
});
export type CallIngestConfig = z.infer<typeof callIngestConfigSchema>;
export const CALL_INGEST_CONFIG = Symbol('CALL_INGEST_CONFIG');

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadCallIngestConfig(env: Record<string, string | undefined>): CallIngestConfig {
  return parseConfig('call-ingest', callIngestConfigSchema, { HTTP_PORT: '3001', ...env });
}
