import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadComplianceConfig } from './config';

export const startCompliance = serviceStarter({
  service: 'compliance',
  loadConfig: loadComplianceConfig,
  module: AppModule,
});

runIfMain(module, () => startCompliance(process.env));
