import { Module, type DynamicModule } from '@nestjs/common';
import {
  AccessGuard,
  SERVICE_API_KEY,
  ServiceKeyGuard,
  serviceModule,
  type ServiceRuntime,
} from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import type { ComplianceConfig } from './config';
import {
  ConsentCheckController,
  ConsentEventsConsumer,
} from './consent/consent-internal.controller';
import { ConsentController } from './consent/consent.controller';
import { ConsentLedgerService } from './consent/consent-ledger.service';
import { InboundConsentService } from './consent/inbound-consent.service';
import { ConsentLedger1763900800000 } from './migrations/1763900800000-consent-ledger';

export const complianceMigrations = [LocationDirectory1763900000000, ConsentLedger1763900800000];

/** The controllers of compliance (its HTTP routes: the route inventory reads them). */
export const complianceControllers = [
  ConsentEventsConsumer,
  ConsentController,
  ConsentCheckController,
];
/** The single owner of "may we text this number now?": the consent ledger, keywords, revocations. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<ComplianceConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime);
    return serviceModule(AppModule, runtime, {
      controllers: [...complianceControllers, ...directory.controllers],
      providers: [
        AccessGuard,
        { provide: SERVICE_API_KEY, useValue: runtime.config.SERVICE_API_KEY },
        ServiceKeyGuard,
        ConsentLedgerService,
        InboundConsentService,
        ...directory.providers,
      ],
    });
  }
}
