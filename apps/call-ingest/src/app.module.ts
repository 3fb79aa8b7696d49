import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { CallEventsController } from './call-events/call-events.controller';
import { CallEventsService } from './call-events/call-events.service';
import { CALL_INGEST_CONFIG, type CallIngestConfig } from './config';
import { CallEvent1763800100000 } from './migrations/1763800100000-call-event';

export const callIngestMigrations = [CallEvent1763800100000];

/** Voice webhooks and call events in; `call.ended.v1` out. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<CallIngestConfig>): DynamicModule {
    return serviceModule(AppModule, runtime, {
      controllers: [CallEventsController],
      providers: [{ provide: CALL_INGEST_CONFIG, useValue: runtime.config }, CallEventsService],
    });
  }
}
