import { z } from 'zod';
import { defineConfig, parseConfig } from '@textback/service-kit';

export const reportingConfigSchema = defineConfig({
  /** Bearer key of the analyst API until tenant-scoped keys land; from a Secret. */
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters'),
});
export type ReportingConfig = z.infer<typeof reportingConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadReportingConfig(env: Record<string, string | undefined>): ReportingConfig {
  return parseConfig('reporting', reportingConfigSchema, { HTTP_PORT: '3006', ...env });
}
