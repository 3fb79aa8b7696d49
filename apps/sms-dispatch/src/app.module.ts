import { Module, type DynamicModule } from '@nestjs/common';
import { consentStateMigrations, StaffTextConsent1765300300000 } from '@textback/consent';
import { WebhookNonce1763900250000 } from '@textback/persistence';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import type { SmsDispatchConfig } from './config';
import { carriersProvider } from './dispatch/carrier';
import { ComplianceClient } from './dispatch/compliance.client';
import { DeliveryReportsService } from './dispatch/delivery-reports.service';
import {
  DeliveryReportsController,
  TextbackRequestedConsumer,
} from './dispatch/dispatch.controller';
import { DispatchMetrics } from './dispatch/dispatch.metrics';
import { DispatchService } from './dispatch/dispatch.service';
import { Reconciler } from './dispatch/reconciler';
import { SendOutcomes } from './dispatch/send-outcomes';
import { SendService } from './dispatch/send.service';
import { SendSchedule } from './dispatch/send-schedule';
import { SendWorker } from './dispatch/send.worker';
import { OutboundSms1763900400000 } from './migrations/1763900400000-outbound-sms';
import { OutboundPurpose1763900700000 } from './migrations/1763900700000-outbound-purpose';
import { SendTrace1763900950000 } from './migrations/1763900950000-send-trace';
import { CallEndedAt1763900960000 } from './migrations/1763900960000-call-ended-at';
import { DropConsentCopy1763990300000 } from './migrations/1763990300000-drop-consent-copy';
import { StaffTexts1765200100000 } from './migrations/1765200100000-staff-texts';
import { DeliveryReportQueue1765300000000 } from './migrations/1765300000000-delivery-report-queue';
import { StaffConsentConsumer } from './dispatch/staff-consent.consumer';

// The earlier local copy of consent is created by its old migrations and dropped by the last one; sends ask compliance.
export const smsDispatchMigrations = [
  LocationDirectory1763900000000,
  ...consentStateMigrations,
  WebhookNonce1763900250000,
  OutboundSms1763900400000,
  OutboundPurpose1763900700000,
  SendTrace1763900950000,
  CallEndedAt1763900960000,
  DropConsentCopy1763990300000,
  StaffTexts1765200100000,
  DeliveryReportQueue1765300000000,
  StaffTextConsent1765300300000,
];

/** The controllers of sms-dispatch (its HTTP routes: the route inventory reads them). */
export const smsDispatchControllers = [
  TextbackRequestedConsumer,
  DeliveryReportsController,
  StaffConsentConsumer,
];
/** Sends requested text-backs through Plivo exactly once and ingests their delivery reports. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<SmsDispatchConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime);
    return serviceModule(AppModule, runtime, {
      controllers: [...smsDispatchControllers, ...directory.controllers],
      providers: [
        DispatchMetrics,
        carriersProvider,
        SendOutcomes,
        Reconciler,
        SendService,
        SendWorker,
        SendSchedule,
        DispatchService,
        DeliveryReportsService,
        ComplianceClient,
        ...directory.providers,
      ],
    });
  }
}
