import { z } from 'zod';
import { defineConfig, parseConfig } from '@textback/service-kit';

export const reportingConfigSchema = defineConfig({
  /** Bearer key of the analyst API until tenant-scoped keys land; from a Secret. */
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters'),
  /** What one SMS segment costs, in millionths of the currency unit (Plivo US long code ≈ $0.0055). */
  SMS_COST_MICROS_PER_SEGMENT: z.coerce.number().int().min(0).default(5_500),
});
export type ReportingConfig = z.infer<typeof reportingConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadReportingConfig(env: Record<string, string | undefined>): ReportingConfig {
  return parseConfig('reporting', reportingConfigSchema, { HTTP_PORT: '3006', ...env });
}
