import { defineConfig, parseConfig } from '@textback/service-kit';
import type { z } from 'zod';

export const gatewayConfigSchema = defineConfig({});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  return parseConfig('gateway', gatewayConfigSchema, { HTTP_PORT: '3007', ...env });
}
