import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, startService, stopOnSignals, type RunningService } from '@textback/service-kit';
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

if (require.main === module) {
  startConversation(process.env).then(
    (service) => stopOnSignals(service.stop, { info: (m) => process.stdout.write(`${m}\n`) }),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
