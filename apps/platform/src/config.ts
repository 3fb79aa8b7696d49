import { z } from 'zod';
import { parseConfig } from '@textback/service-kit';

/** Settings of the all-in-one runner (`npm start`); each service reads its own on top. */
export const platformConfigSchema = z.object({
  TEXTBACK_TRANSPORT: z.enum(['in-process', 'kafka']).default('in-process'),
  /** Where every service listens; loopback by default (a development machine), `0.0.0.0` to be reachable from elsewhere. */
  TEXTBACK_HOST: z.string().min(1).default('127.0.0.1'),
  TEXTBACK_BASE_PORT: z.coerce.number().int().min(1).max(65000).default(3001),
  TEXTBACK_DATA_DIR: z.string().default('./data'),
  /** Use this PostgreSQL instead of the embedded one. */
  DATABASE_URL: z.string().url().optional(),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** Set to use a real Plivo account; unset, the local Plivo fake stands in (no real texts). */
  PLIVO_API_URL: z.url().optional(),
  /** The fake's port; 0 = the base port + 20. */
  PLIVO_FAKE_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  TENANCY_SEED_FILE: z.string().optional(),
  LOG_LEVEL: z.string().default('info'),
});
export type PlatformConfig = z.infer<typeof platformConfigSchema>;

export function loadPlatformConfig(env: Record<string, string | undefined>): PlatformConfig {
  return parseConfig('platform', platformConfigSchema, env);
}
