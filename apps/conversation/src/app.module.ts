import { SecretBox } from '@textback/auth';
import { Module, type DynamicModule } from '@nestjs/common';
import { WebhookNonce1763900250000 } from '@textback/persistence';
import { AccessGuard, serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import type { ConversationConfig } from './config';
import { InboundSmsController } from './inbound-sms/inbound-sms.controller';
import { InboundSmsService } from './inbound-sms/inbound-sms.service';
import { ComplianceClient } from './inbound-sms/compliance.client';
import { InboundMessage1763900500000 } from './migrations/1763900500000-inbound-message';
import { Threads1763901000000 } from './migrations/1763901000000-threads';
import { CrmSync1763901100000 } from './migrations/1763901100000-crm-sync';
import { MessageFailure1764400000000 } from './migrations/1764400000000-message-failure';
import { SealedCrmSecrets1765000100000 } from './migrations/1765000100000-sealed-crm-secrets';
import { InboxNotify1765200300000 } from './migrations/1765200300000-inbox-notify';
import { InboxChanges } from './threads/inbox-changes';
import { InboxStreamController } from './threads/inbox-stream.controller';
import { CrmAdminController, CrmInboundController } from './crm/crm.controller';
import { CrmSyncService } from './crm/crm-sync.service';
import { InboxPageController } from './threads/inbox-page.controller';
import { InboxWorkerController } from './threads/inbox-worker.controller';
import { InboxController } from './threads/threads.controller';
import { ThreadEventsConsumer } from './threads/thread-events.consumer';
import { ThreadStatusService } from './threads/thread-status.service';
import { ThreadRetention } from './threads/thread-retention';
import { TeamInbox1765300000000 } from './migrations/1765300000000-team-inbox';
import { InboxAlerts1765300200000 } from './migrations/1765300200000-inbox-alerts';
import { AppAuthors1765400000000 } from './migrations/1765400000000-app-authors';
import { StaffTextConsent1765300300000 } from '@textback/consent';
import { StaffInbound } from './inbound-sms/staff-inbound';
import { AlertChannels } from './alerts/alert-channels';
import { AlertSettingsController } from './alerts/alert-settings.controller';
import { AlertWorker } from './alerts/alert-worker';
import { TeamConsumer } from './team/team.consumer';
import { TeamInboxController } from './team/team-inbox.controller';
import { TeamInboxService } from './team/team-inbox.service';
import { ConversationService } from './threads/conversation.service';
import { LeadActions } from './threads/lead-actions';
import { InboxService } from './threads/inbox.service';
import { LeadRecorder } from './threads/lead-recorder';
import { OnCallNotifier } from './threads/on-call-notifier';

export const conversationMigrations = [
  LocationDirectory1763900000000,
  WebhookNonce1763900250000,
  InboundMessage1763900500000,
  Threads1763901000000,
  CrmSync1763901100000,
  MessageFailure1764400000000,
  SealedCrmSecrets1765000100000,
  InboxNotify1765200300000,
  TeamInbox1765300000000,
  InboxAlerts1765300200000,
  StaffTextConsent1765300300000,
  AppAuthors1765400000000,
];

/** The controllers of conversation (its HTTP routes: the route inventory reads them). */
export const conversationControllers = [
  InboundSmsController,
  ThreadEventsConsumer,
  InboxController,
  TeamInboxController,
  AlertSettingsController,
  TeamConsumer,
  InboxPageController,
  InboxWorkerController,
  InboxStreamController,
  CrmAdminController,
  CrmInboundController,
];
/** Inbound texts, threads, leads and their qualification, emergency routing, the operator inbox. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<ConversationConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime);
    return serviceModule(AppModule, runtime, {
      controllers: [...conversationControllers, ...directory.controllers],
      providers: [
        InboundSmsService,
        StaffInbound,
        ComplianceClient,
        ConversationService,
        ThreadStatusService,
        ThreadRetention,
        InboxService,
        LeadActions,
        TeamInboxService,
        AlertChannels,
        AlertWorker,
        LeadRecorder,
        OnCallNotifier,
        CrmSyncService,
        InboxChanges,
        { provide: SecretBox, useValue: SecretBox.parse(runtime.config.TENANT_SECRETS_KEYS) },
        AccessGuard,
        ...directory.providers,
      ],
    });
  }
}
