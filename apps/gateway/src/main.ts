import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, gatewayMigrations } from './app.module';
import { loadGatewayConfig } from './config';

export const startGateway = serviceStarter({
  service: 'gateway',
  loadConfig: loadGatewayConfig,
  module: AppModule,
  migrations: gatewayMigrations,
});

runIfMain(module, () => startGateway(process.env));
