import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import type { ConversationConfig } from './config';
import { InboundSmsController } from './inbound-sms/inbound-sms.controller';
import { InboundSmsService } from './inbound-sms/inbound-sms.service';
import { InboundMessage1763900500000 } from './migrations/1763900500000-inbound-message';

export const conversationMigrations = [LocationDirectory1763900000000, InboundMessage1763900500000];

/** Inbound texts today; threads, leads and the operator inbox are issue 5. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<ConversationConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime.dataSource);
    return serviceModule(AppModule, runtime, {
      controllers: [InboundSmsController, ...directory.controllers],
      providers: [InboundSmsService, ...directory.providers],
    });
  }
}
