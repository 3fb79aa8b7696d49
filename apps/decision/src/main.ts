import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, runIfMain, startService, type RunningService } from '@textback/service-kit';
import { AppModule, decisionMigrations } from './app.module';
import { loadDecisionConfig } from './config';

export async function startDecision(
  env: Record<string, string | undefined>,
  options: { inProcessBroker?: InProcessBroker } = {},
): Promise<RunningService> {
  const config = loadDecisionConfig(env);
  const runtime = await createRuntime({ service: 'decision', config, migrations: decisionMigrations, ...options });
  return startService(AppModule.register(runtime), runtime);
}

runIfMain(module, () => startDecision(process.env));
