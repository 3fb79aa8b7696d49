import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, startService, stopOnSignals, type RunningService } from '@textback/service-kit';
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

if (require.main === module) {
  startDecision(process.env).then(
    (service) => stopOnSignals(service.stop, { info: (m) => process.stdout.write(`${m}\n`) }),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
