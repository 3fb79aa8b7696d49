import 'reflect-metadata';
import type { InProcessBroker } from '@textback/messaging';
import { createRuntime, runIfMain, startService, type RunningService } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadGatewayConfig } from './config';

export async function startGateway(
  env: Record<string, string | undefined>,
  options: { inProcessBroker?: InProcessBroker } = {},
): Promise<RunningService> {
  const config = loadGatewayConfig(env);
  const runtime = await createRuntime({ service: 'gateway', config, ...options });
  return startService(AppModule.register(runtime), runtime);
}

runIfMain(module, () => startGateway(process.env));
