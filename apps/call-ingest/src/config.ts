import { z } from 'zod';
import { defineConfig, parseConfig } from '@textback/service-kit';

export const callIngestConfigSchema = defineConfig({
  /** Shared with phone systems that post to /v1/call-events; from a Secret in Kubernetes. */
  CALL_EVENTS_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters'),
});
export type CallIngestConfig = z.infer<typeof callIngestConfigSchema>;
export const CALL_INGEST_CONFIG = Symbol('CALL_INGEST_CONFIG');

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadCallIngestConfig(env: Record<string, string | undefined>): CallIngestConfig {
  return parseConfig('call-ingest', callIngestConfigSchema, { HTTP_PORT: '3001', ...env });
}
