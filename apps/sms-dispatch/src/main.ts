import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, smsDispatchMigrations } from './app.module';
import { loadSmsDispatchConfig } from './config';

/** How a delivery report finds its send (the issue #11 test EXPLAINs it). */
export { FIND_SENDS } from './dispatch/delivery-report.repository';

export const startSmsDispatch = serviceStarter({
  service: 'sms-dispatch',
  loadConfig: loadSmsDispatchConfig,
  module: AppModule,
  migrations: smsDispatchMigrations,
});

runIfMain(module, () => startSmsDispatch(process.env));
export { smsDispatchControllers } from './app.module';
