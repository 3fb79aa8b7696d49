import { z } from 'zod';

/** Settings every service reads; each app extends this with its own. */
export const baseConfigShape = z.object({
  HTTP_PORT: z.coerce.number().int().min(0).max(65535),
  HTTP_HOST: z.string().default('0.0.0.0'),
  EVENT_TRANSPORT: z.enum(['kafka', 'in-process']).default('kafka'),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  KAFKA_PARTITIONS: z.coerce.number().int().positive().default(6),
  /**
   * After handling what a fetch brought, a consumer waits this long before the next fetch, so
   * the next batch is bigger (one transaction and one offset commit for more events). The first
   * event after a quiet spell is handled at once; a quiet consumer long-polls the broker.
   * Services off the text's path wait longer.
   */
  KAFKA_CONSUMER_LINGER_MS: z.coerce.number().int().min(0).max(5_000).default(20),
  /** How soon the group notices a consumer that died without leaving (its partitions move on). */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  /** The service's consumer group (default: its name). A new group with an empty schema rebuilds its read models from the topics. */
  CONSUMER_GROUP_ID: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/)
    .optional(),
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits, underscores')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /** A statement running longer is cancelled (a stuck query must not hold a connection forever). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  CONSUMER_RETRY_INITIAL_MS: z.coerce.number().int().min(1).default(200),
  CONSUMER_RETRY_MAX_MS: z.coerce.number().int().min(1).default(5_000),
  /**
   * A consumer's units of work (transactions over several partitions' batches) in flight at
   * once. One where units would lock the same rows in different orders (reporting's read models).
   */
  CONSUMER_UNITS_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(2),
  /** The relay's safety net: it is woken after every commit that wrote outbox rows. */
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(1_000),
  /**
   * How long the relay waits after a commit for others to publish with (0: at once). Services
   * whose events nobody waits on for a moment set more (sms-dispatch, conversation).
   */
  OUTBOX_LINGER_MS: z.coerce.number().int().min(0).max(5_000).default(0),
  /** Services taking webhooks: how long a nonce is remembered (a repeat inside it is a replay). */
  WEBHOOK_NONCE_WINDOW_HOURS: z.coerce.number().int().min(1).default(24),
  /** HTTP requests in flight per process past which sheddable webhooks get 503 (their sender retries). */
  WEBHOOK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(256),
  /**
   * Development only (`npm start`, tests): tenant-supplied URLs may be plain http and loopback.
   * Never on in production: private, link-local and metadata addresses stay refused regardless.
   */
  /**
   * Where the gateway publishes its token signing keys (JWKS); services verify access tokens
   * against it, cached. Unset on a service: only the bootstrap admin key is accepted there.
   */
  AUTH_JWKS_URL: z.url().optional(),
  /** Published outbox rows are deleted this long after publishing (the broker holds them). */
  OUTBOX_RETAIN_PUBLISHED_HOURS: z.coerce.number().int().min(1).default(168),
  /**
   * Which proxies' `X-Forwarded-For` to believe (Express `trust proxy`): the Ingress and the
   * platform's own services on private addresses. The client's address throttles sign-ins.
   */
  TRUST_PROXY: z.string().max(500).default('loopback, linklocal, uniquelocal'),
  EGRESS_ALLOW_INSECURE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});
export type BaseConfig = z.infer<typeof baseConfigShape>;

/** A base setting with a service's own default; its bounds stay the base's. */
export function serviceDefault(
  key: 'KAFKA_CONSUMER_LINGER_MS' | 'OUTBOX_LINGER_MS' | 'CONSUMER_UNITS_IN_FLIGHT',
  value: number,
) {
  return baseConfigShape.shape[key].unwrap().default(value);
}

/** An app's config schema: the base settings plus its own, with the cross-field rules applied. */
export function defineConfig<E extends z.ZodRawShape>(extra: E) {
  return baseConfigShape.extend(extra).superRefine((value, ctx) => {
    const c = value as BaseConfig;
    if (c.EVENT_TRANSPORT === 'kafka' && !c.KAFKA_BROKERS) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_BROKERS'],
        message: 'is required when EVENT_TRANSPORT=kafka',
      });
    }
  });
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses the environment once at boot. A bad value fails fast with a message that names the
 * variable (never its value: it may be a secret).
 */
export function parseConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`,
  );
  throw new ConfigError(`${service}: invalid configuration\n${problems.join('\n')}`);
}
