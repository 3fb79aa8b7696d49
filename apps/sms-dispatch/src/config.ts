import { defineConfig, parseConfig } from '@textback/service-kit';
import type { z } from 'zod';

export const sms_dispatchConfigSchema = defineConfig({});
export type SmsDispatchConfig = z.infer<typeof sms_dispatchConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadSmsDispatchConfig(env: Record<string, string | undefined>): SmsDispatchConfig {
  return parseConfig('sms-dispatch', sms_dispatchConfigSchema, { HTTP_PORT: '3003', ...env });
}
