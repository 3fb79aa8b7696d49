import { z } from 'zod';
import { plivoConfigShape } from '@textback/carrier-plivo';
import { defineConfig, parseConfig } from '@textback/service-kit';

export const conversationConfigSchema = defineConfig({
  PLIVO_AUTH_TOKEN: plivoConfigShape.PLIVO_AUTH_TOKEN,
  /** Bearer key of the operator inbox API; from a Secret. */
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters'),
  PLIVO_MAIN_ACCOUNT_TOKEN: plivoConfigShape.PLIVO_MAIN_ACCOUNT_TOKEN,
  /** This service's URL as Plivo calls it (the application's message_url). Defaults to the listening address. */
  PUBLIC_BASE_URL: z.url().optional(),
});
export type ConversationConfig = z.infer<typeof conversationConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadConversationConfig(env: Record<string, string | undefined>): ConversationConfig {
  return parseConfig('conversation', conversationConfigSchema, { HTTP_PORT: '3004', ...env });
}
