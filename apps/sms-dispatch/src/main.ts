import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadSmsDispatchConfig } from './config';

export const startSmsDispatch = serviceStarter({
  service: 'sms-dispatch',
  loadConfig: loadSmsDispatchConfig,
  module: AppModule,
});

runIfMain(module, () => startSmsDispatch(process.env));
