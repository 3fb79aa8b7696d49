import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, callIngestMigrations } from './app.module';
import { loadCallIngestConfig } from './config';

export const startCallIngest = serviceStarter({
  service: 'call-ingest',
  loadConfig: loadCallIngestConfig,
  module: AppModule,
  migrations: callIngestMigrations,
});

runIfMain(module, () => startCallIngest(process.env));
export { signCallEvent } from './call-events/call-event-signature';
export { callIngestControllers } from './app.module';
