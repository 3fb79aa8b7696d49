import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, decisionMigrations } from './app.module';
import { loadDecisionConfig } from './config';

export const startDecision = serviceStarter({
  service: 'decision',
  loadConfig: loadDecisionConfig,
  module: AppModule,
  migrations: decisionMigrations,
});

runIfMain(module, () => startDecision(process.env));
export { decisionControllers } from './app.module';
