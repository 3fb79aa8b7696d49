import { z } from 'zod';
import { defineConfig, parseConfig } from '@textback/service-kit';

export const complianceConfigSchema = defineConfig({
  /** Bearer key other services use for `/internal/...` (the consent check before a send). */
  SERVICE_API_KEY: z.string().min(16, 'must be at least 16 characters'),
  /** Message texts kept in the consent history this long, then redacted (the changes themselves are kept). */
  CONSENT_TEXT_RETENTION_DAYS: z.coerce.number().int().min(0).default(90),
  REDACTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
});
export type ComplianceConfig = z.infer<typeof complianceConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadComplianceConfig(env: Record<string, string | undefined>): ComplianceConfig {
  return parseConfig('compliance', complianceConfigSchema, { HTTP_PORT: '3005', ...env });
}
