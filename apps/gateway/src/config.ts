import { z } from 'zod';
import { defineConfig, parseConfig } from '@textback/service-kit';

export const gatewayConfigSchema = defineConfig({
  /**
   * The bootstrap credential: exchanged at /v1/auth/token for a platform administrator's token
   * until a real platform administrator exists, then refused. Unset: no bootstrap at all.
   */
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** A JSON file of tenants and locations created at start when missing (the embedded mode's franchises). */
  TENANCY_SEED_FILE: z.string().optional(),
  /**
   * The token signing key ring, `{"keys":[<EC P-256 private JWK with kid>, …]}` oldest first (the
   * last signs, all verify): from a Secret. Unset: a key made at start (development only: tokens
   * do not survive a restart and replicas would not share it).
   */
  AUTH_SIGNING_KEYS: z.string().optional(),
  /** Lifetime of an access token: also how soon a revoked credential stops working everywhere. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(900).default(300),
  /** Lifetime of a user's refresh token (revocable at any time before). */
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /**
   * Where reporting's analyst keys are, to move them here at start (default: reporting's schema
   * beside this one).
   */
  REPORTING_KEYS_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a schema name')
    .optional(),
  /** A signed-in session ends after this long, and after this long without use. */
  SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(168),
  SESSION_IDLE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  /**
   * Session cookies carry `Secure` (sent over https only). `npm start` and the tests serve plain
   * http on 127.0.0.1 and turn it off.
   */
  SESSION_COOKIE_SECURE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** The ring sealing second-factor secrets (the same as conversation's); unset: no TOTP. */
  TENANT_SECRETS_KEYS: z.string().min(1).optional(),
  /** Audit entries keep the numbers and addresses they name this long, then lose them. */
  AUDIT_PII_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  REDACTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /**
   * Where people reach the gateway's pages (the settings page): the base of invitation and
   * password reset links. Defaults to the listening address.
   */
  PUBLIC_BASE_URL: z.url().optional(),
  /**
   * The SMTP server for sign-in links by e-mail (`smtp://user:pass@host:587` or `smtps://…`):
   * from a Secret. Unset: links are returned (and texted), not mailed.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Textback <no-reply@textback.invalid>'),
  /**
   * The partner API's gRPC port (HTTP/2; -1: off). The REST side is on HTTP_PORT. TLS when both
   * files are set (mounted from a Secret); plaintext HTTP/2 otherwise (TLS ends at the Ingress).
   */
  GRPC_PORT: z.coerce.number().int().min(-1).max(65_535).default(9090),
  GRPC_HOST: z.string().default('0.0.0.0'),
  GRPC_TLS_CERT_FILE: z.string().optional(),
  GRPC_TLS_KEY_FILE: z.string().optional(),
  /** The services the partner API calls for a partner (its threads, calls, consent, reports). */
  CALL_INGEST_URL: z.url().default('http://127.0.0.1:3001'),
  CONVERSATION_URL: z.url().default('http://127.0.0.1:3004'),
  COMPLIANCE_URL: z.url().default('http://127.0.0.1:3005'),
  REPORTING_URL: z.url().default('http://127.0.0.1:3006'),
  /**
   * The sandbox carrier (a Plivo fake, sms-dispatch's SANDBOX_PLIVO_API_URL): a partner plays its
   * sandbox customers' texts through it. Unset: no simulated customers.
   */
  SANDBOX_PLIVO_API_URL: z.url().optional(),
  /** How long the gateway waits for one of them (a caller's shorter deadline wins). */
  PARTNER_PEER_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Each partner client's requests per minute (all its tenants), and each tenant's (all clients). */
  PARTNER_CLIENT_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  PARTNER_TENANT_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(1_200),
  /** How long a mutation's first outcome is kept for retries with its idempotency key. */
  PARTNER_IDEMPOTENCY_HOURS: z.coerce
    .number()
    .int()
    .min(24)
    .max(24 * 30)
    .default(24),
  /** How long an invitation may be accepted. */
  INVITATION_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(168),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  return parseConfig('gateway', gatewayConfigSchema, { HTTP_PORT: '3007', ...env });
}
