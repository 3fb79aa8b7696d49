import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, runIfMain, startService, type RunningService } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadConversationConfig } from './config';

export async function startConversation(
  env: Record<string, string | undefined>,
  options: { inProcessBroker?: InProcessBroker } = {},
): Promise<RunningService> {
  const config = loadConversationConfig(env);
  const runtime = await createRuntime({ service: 'conversation', config, ...options });
  return startService(AppModule.register(runtime), runtime);
}

runIfMain(module, () => startConversation(process.env));
