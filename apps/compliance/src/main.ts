import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, runIfMain, startService, type RunningService } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadComplianceConfig } from './config';

export async function startCompliance(
  env: Record<string, string | undefined>,
  options: { inProcessBroker?: InProcessBroker } = {},
): Promise<RunningService> {
  const config = loadComplianceConfig(env);
  const runtime = await createRuntime({ service: 'compliance', config, ...options });
  return startService(AppModule.register(runtime), runtime);
}

runIfMain(module, () => startCompliance(process.env));
