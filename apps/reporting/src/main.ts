import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadReportingConfig } from './config';

export const startReporting = serviceStarter({
  service: 'reporting',
  loadConfig: loadReportingConfig,
  module: AppModule,
});

runIfMain(module, () => startReporting(process.env));
