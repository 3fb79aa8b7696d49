import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, complianceMigrations } from './app.module';
import { loadComplianceConfig } from './config';

/** The consent ledger, for the platform's tests (its retention job is driven directly there). */
export { ConsentLedgerService } from './consent/consent-ledger.service';

export const startCompliance = serviceStarter({
  service: 'compliance',
  loadConfig: loadComplianceConfig,
  module: AppModule,
  migrations: complianceMigrations,
});

runIfMain(module, () => startCompliance(process.env));
export { complianceControllers } from './app.module';
