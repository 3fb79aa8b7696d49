import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, runIfMain, startService, type RunningService } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadReportingConfig } from './config';

export async function startReporting(
  env: Record<string, string | undefined>,
  options: { inProcessBroker?: InProcessBroker } = {},
): Promise<RunningService> {
  const config = loadReportingConfig(env);
  const runtime = await createRuntime({ service: 'reporting', config, ...options });
  return startService(AppModule.register(runtime), runtime);
}

runIfMain(module, () => startReporting(process.env));
