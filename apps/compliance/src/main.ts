import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, startService, stopOnSignals, type RunningService } from '@textback/service-kit';
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

if (require.main === module) {
  startCompliance(process.env).then(
    (service) => stopOnSignals(service.stop, { info: (m) => process.stdout.write(`${m}\n`) }),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
