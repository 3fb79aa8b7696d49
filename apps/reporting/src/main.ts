import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, reportingMigrations } from './app.module';
import { loadReportingConfig } from './config';

export const startReporting = serviceStarter({
  service: 'reporting',
  loadConfig: loadReportingConfig,
  module: AppModule,
  migrations: reportingMigrations,
});

runIfMain(module, () => startReporting(process.env));
