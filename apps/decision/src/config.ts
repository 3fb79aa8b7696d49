import { defineConfig, parseConfig } from '@textback/service-kit';
import type { z } from 'zod';

export const decisionConfigSchema = defineConfig({});
export type DecisionConfig = z.infer<typeof decisionConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadDecisionConfig(env: Record<string, string | undefined>): DecisionConfig {
  return parseConfig('decision', decisionConfigSchema, { HTTP_PORT: '3002', ...env });
}
