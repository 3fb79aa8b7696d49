import { Module, type DynamicModule } from '@nestjs/common';
import { consentStateMigrations, consentStateParts } from '@textback/consent';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import type { SmsDispatchConfig } from './config';
import { DeliveryReportsService } from './dispatch/delivery-reports.service';
import { DeliveryReportsController, TextbackRequestedConsumer } from './dispatch/dispatch.controller';
import { DispatchService } from './dispatch/dispatch.service';
import { OutboundSms1763900400000 } from './migrations/1763900400000-outbound-sms';
import { OutboundPurpose1763900700000 } from './migrations/1763900700000-outbound-purpose';

export const smsDispatchMigrations = [LocationDirectory1763900000000, ...consentStateMigrations, OutboundSms1763900400000, OutboundPurpose1763900700000];

/** Sends requested text-backs through Plivo exactly once and ingests their delivery reports. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<SmsDispatchConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime.dataSource);
    const consent = consentStateParts(runtime.dataSource);
    return serviceModule(AppModule, runtime, {
      controllers: [TextbackRequestedConsumer, DeliveryReportsController, ...consent.controllers, ...directory.controllers],
      providers: [DispatchService, DeliveryReportsService, ...consent.providers, ...directory.providers],
    });
  }
}
