import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { TextbackDecision1763800200000 } from './migrations/1763800200000-textback-decision';
import { CallEndedConsumer } from './textback-decisions/call-ended.consumer';
import { TextbackDecisionsService } from './textback-decisions/textback-decisions.service';

export const decisionMigrations = [TextbackDecision1763800200000];

/** Decides whether a call is texted back: `call.ended.v1` in, `textback.requested|suppressed.v1` out. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(AppModule, runtime, { controllers: [CallEndedConsumer], providers: [TextbackDecisionsService] });
  }
}
