import { defineConfig, parseConfig } from '@textback/service-kit';
import type { z } from 'zod';

export const conversationConfigSchema = defineConfig({});
export type ConversationConfig = z.infer<typeof conversationConfigSchema>;

/** Defaults for running alone; the platform and Kubernetes override them through the environment. */
export function loadConversationConfig(env: Record<string, string | undefined>): ConversationConfig {
  return parseConfig('conversation', conversationConfigSchema, { HTTP_PORT: '3004', ...env });
}
