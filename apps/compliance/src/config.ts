import { defineConfig, parseConfig } from '@textback/service-kit';
import type { z } from 'zod';

export const complianceConfigSchema = defineConfig({});
export type ComplianceConfig = z.infer<typeof complianceConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadComplianceConfig(env: Record<string, string | undefined>): ComplianceConfig {
  return parseConfig('compliance', complianceConfigSchema, { HTTP_PORT: '3005', ...env });
}
