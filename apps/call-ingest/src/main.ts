import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, runIfMain, startService, type RunningService } from '@textback/service-kit';
import { AppModule, callIngestMigrations } from './app.module';
import { loadCallIngestConfig } from './config';

export async function startCallIngest(
  env: Record<string, string | undefined>,
  options: { inProcessBroker?: InProcessBroker } = {},
): Promise<RunningService> {
  const config = loadCallIngestConfig(env);
  const runtime = await createRuntime({ service: 'call-ingest', config, migrations: callIngestMigrations, ...options });
  return startService(AppModule.register(runtime), runtime);
}

runIfMain(module, () => startCallIngest(process.env));
export { signCallEvent } from './call-events/call-event-signature';
