import { z } from 'zod';
import { plivoConfigShape } from '@textback/carrier-plivo';
import { defineConfig, parseConfig, serviceDefault } from '@textback/service-kit';

export const decisionConfigSchema = defineConfig({
  ...plivoConfigShape,
  /**
   * Calls end a few a second per location at most: 50 ms between fetches gathers a moment's
   * calls into one unit and one relay pass (the text's path spends at most that here).
   */
  KAFKA_CONSUMER_LINGER_MS: serviceDefault('KAFKA_CONSUMER_LINGER_MS', 50),
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
