import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import { AnalystGuard } from './access/analyst.guard';
import { ApiKeysService } from './access/api-keys.service';
import { AnalystPageController } from './analyst-page.controller';
import { CallReportProjector } from './calls/call-report.projector';
import { CallsService } from './calls/calls.service';
import { ReportsService } from './reports.service';
import type { ReportingConfig } from './config';
import { FunnelService } from './funnel/funnel.service';
import { Funnel1763901200000 } from './migrations/1763901200000-funnel';
import { CallReport1763990000000 } from './migrations/1763990000000-call-report';
import { ApiKeys1763990100000 } from './migrations/1763990100000-api-keys';
import { PendingDays1763990200000 } from './migrations/1763990200000-pending-days';
import { ReadModelConsumer } from './read-model.consumer';
import { ReportsController } from './reports.controller';
import { WhatIfController } from './what-if.controller';

export const reportingMigrations = [
  LocationDirectory1763900000000,
  Funnel1763901200000,
  CallReport1763990000000,
  ApiKeys1763990100000,
  PendingDays1763990200000,
];

/** The controllers of reporting (its HTTP routes: the route inventory reads them). */
export const reportingControllers = [
  ReadModelConsumer,
  ReportsController,
  WhatIfController,
  AnalystPageController,
];
/** Read models and the analyst API: the funnel, the calls list, ROI and its what-if, per tenant. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<ReportingConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime);
    return serviceModule(AppModule, runtime, {
      controllers: [...reportingControllers, ...directory.controllers],
      providers: [
        FunnelService,
        CallsService,
        ReportsService,
        CallReportProjector,
        ApiKeysService,
        AnalystGuard,
        ...directory.providers,
      ],
    });
  }
}
