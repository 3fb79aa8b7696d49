import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, runIfMain, startService, type RunningService } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadSmsDispatchConfig } from './config';

export async function startSmsDispatch(
  env: Record<string, string | undefined>,
  options: { inProcessBroker?: InProcessBroker } = {},
): Promise<RunningService> {
  const config = loadSmsDispatchConfig(env);
  const runtime = await createRuntime({ service: 'sms-dispatch', config, ...options });
  return startService(AppModule.register(runtime), runtime);
}

runIfMain(module, () => startSmsDispatch(process.env));
