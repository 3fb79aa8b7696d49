import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, complianceMigrations } from './app.module';
import { loadComplianceConfig } from './config';

export const startCompliance = serviceStarter({
  service: 'compliance',
  loadConfig: loadComplianceConfig,
  module: AppModule,
  migrations: complianceMigrations,
});

runIfMain(module, () => startCompliance(process.env));
