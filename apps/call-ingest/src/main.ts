import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, startService, stopOnSignals, type RunningService } from '@textback/service-kit';
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

if (require.main === module) {
  startCallIngest(process.env).then(
    (service) => stopOnSignals(service.stop, { info: (m) => process.stdout.write(`${m}\n`) }),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
export { signCallEvent } from './call-events/call-event-signature';
