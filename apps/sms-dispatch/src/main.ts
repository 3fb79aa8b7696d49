import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, smsDispatchMigrations } from './app.module';
import { loadSmsDispatchConfig } from './config';

export const startSmsDispatch = serviceStarter({
  service: 'sms-dispatch',
  loadConfig: loadSmsDispatchConfig,
  module: AppModule,
  migrations: smsDispatchMigrations,
});

runIfMain(module, () => startSmsDispatch(process.env));
