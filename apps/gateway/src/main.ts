import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadGatewayConfig } from './config';

export const startGateway = serviceStarter({
  service: 'gateway',
  loadConfig: loadGatewayConfig,
  module: AppModule,
});

runIfMain(module, () => startGateway(process.env));
