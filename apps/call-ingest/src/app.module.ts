import { Module, type DynamicModule } from '@nestjs/common';
import { WebhookNonce1763900250000 } from '@textback/persistence';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import { CallEventsController } from './call-events/call-events.controller';
import { CallEventsService } from './call-events/call-events.service';
import { CALL_INGEST_CONFIG, type CallIngestConfig } from './config';
import { CallEvent1763800100000 } from './migrations/1763800100000-call-event';
import { PlivoCall1763900300000 } from './migrations/1763900300000-plivo-call';
import { CallTrace1763900900000 } from './migrations/1763900900000-call-trace';
import { VoiceWebhookQueue1765000000000 } from './migrations/1765000000000-voice-webhook-queue';
import { PlivoVoiceController } from './plivo-voice/plivo-voice.controller';
import { AnswerWriter } from './plivo-voice/answer-writer';
import { CallFinalizer } from './plivo-voice/call-finalizer';
import { PlivoVoiceService } from './plivo-voice/plivo-voice.service';
import { VoiceWebhookApplier } from './plivo-voice/voice-webhook-applier';

export const callIngestMigrations = [
  CallEvent1763800100000,
  LocationDirectory1763900000000,
  WebhookNonce1763900250000,
  PlivoCall1763900300000,
  CallTrace1763900900000,
  VoiceWebhookQueue1765000000000,
];

/** The controllers of call-ingest (its HTTP routes: the route inventory reads them). */
export const callIngestControllers = [CallEventsController, PlivoVoiceController];
/** Voice webhooks and call events in; `call.ended.v1` out. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<CallIngestConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime);
    return serviceModule(AppModule, runtime, {
      controllers: [...callIngestControllers, ...directory.controllers],
      providers: [
        { provide: CALL_INGEST_CONFIG, useValue: runtime.config },
        CallEventsService,
        PlivoVoiceService,
        CallFinalizer,
        AnswerWriter,
        VoiceWebhookApplier,
        ...directory.providers,
      ],
    });
  }
}
