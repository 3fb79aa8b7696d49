import { Module, type DynamicModule } from '@nestjs/common';
import { ADMIN_API_KEY, AdminKeyGuard, serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import type { ReportingConfig } from './config';
import { FunnelConsumer, FunnelController } from './funnel/funnel.controller';
import { FunnelService } from './funnel/funnel.service';
import { Funnel1763901200000 } from './migrations/1763901200000-funnel';

export const reportingMigrations = [LocationDirectory1763900000000, Funnel1763901200000];

/** Read models and the analyst API: the text-back funnel per tenant, location and day. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<ReportingConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime.dataSource);
    return serviceModule(AppModule, runtime, {
      controllers: [FunnelConsumer, FunnelController, ...directory.controllers],
      providers: [FunnelService, { provide: ADMIN_API_KEY, useValue: runtime.config.ADMIN_API_KEY }, AdminKeyGuard, ...directory.providers],
    });
  }
}
