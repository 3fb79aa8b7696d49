import { defineConfig, parseConfig } from '@textback/service-kit';
import type { z } from 'zod';

export const reportingConfigSchema = defineConfig({});
export type ReportingConfig = z.infer<typeof reportingConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadReportingConfig(env: Record<string, string | undefined>): ReportingConfig {
  return parseConfig('reporting', reportingConfigSchema, { HTTP_PORT: '3006', ...env });
}
