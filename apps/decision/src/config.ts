import { z } from 'zod';
import { plivoConfigShape } from '@textback/carrier-plivo';
import { defineConfig, parseConfig } from '@textback/service-kit';

export const decisionConfigSchema = defineConfig({
  ...plivoConfigShape,
  /** Bearer key of `GET /v1/decisions/{callId}` (an operator route); from a Secret. */
  /** Look up each caller's line type (Plivo Lookup, $0.004 each) so landlines get no text. */
  LINE_TYPE_LOOKUP: z.enum(['on', 'off']).default('on'),
  LINE_TYPE_CACHE_DAYS: z.coerce.number().int().min(1).default(30),
});
export type DecisionConfig = z.infer<typeof decisionConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadDecisionConfig(env: Record<string, string | undefined>): DecisionConfig {
  return parseConfig('decision', decisionConfigSchema, { HTTP_PORT: '3002', ...env });
}
