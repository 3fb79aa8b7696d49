import { z } from 'zod';
import { defineConfig, parseConfig, serviceDefault } from '@textback/service-kit';

export const reportingConfigSchema = defineConfig({
  /** Read models are not on a text's path: a longer pause between fetches, bigger batches. */
  KAFKA_CONSUMER_LINGER_MS: serviceDefault('KAFKA_CONSUMER_LINGER_MS', 250),
  /**
   * One unit at a time: two units holding events of the same calls and callers lock their rows
   * in different orders and deadlock (each then redone event by event).
   */
  CONSUMER_UNITS_IN_FLIGHT: serviceDefault('CONSUMER_UNITS_IN_FLIGHT', 1),
  /** What one SMS segment costs, in millionths of the currency unit (Plivo US long code ≈ $0.0055). */
  SMS_COST_MICROS_PER_SEGMENT: z.coerce.number().int().min(0).default(5_500),
  /** Caller numbers in the calls list are kept this long, then nulled (counts and timings stay). */
  REPORTING_PII_RETENTION_DAYS: z.coerce.number().int().min(0).default(90),
  /** How often facts that arrived before their location's profile are given their local day. */
  READ_MODEL_SETTLE_MS: z.coerce.number().int().min(50).default(10_000),
  REDACTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /** The operator inbox page (conversation's `/inbox`): the calls list links each thread there. */
  INBOX_URL: z.url().optional(),
});
export type ReportingConfig = z.infer<typeof reportingConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadReportingConfig(env: Record<string, string | undefined>): ReportingConfig {
  return parseConfig('reporting', reportingConfigSchema, { HTTP_PORT: '3006', ...env });
}
