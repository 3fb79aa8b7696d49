import { Module, type DynamicModule } from '@nestjs/common';
import { consentStateMigrations, consentStateParts } from '@textback/consent';
import { AccessGuard, serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory1763900000000, locationDirectoryParts } from '@textback/tenancy';
import type { DecisionConfig } from './config';
import { TextbackDecision1763800200000 } from './migrations/1763800200000-textback-decision';
import { DecisionInputs1763900200000 } from './migrations/1763900200000-decision-inputs';
import { CallEndedConsumer } from './textback-decisions/call-ended.consumer';
import { DecisionsController } from './textback-decisions/decisions.controller';
import { LineTypesService } from './textback-decisions/line-types.service';
import { TextbackDecisionsService } from './textback-decisions/textback-decisions.service';

export const decisionMigrations = [
  TextbackDecision1763800200000,
  LocationDirectory1763900000000,
  ...consentStateMigrations,
  DecisionInputs1763900200000,
];

/** The controllers of decision (its HTTP routes: the route inventory reads them). */
export const decisionControllers = [CallEndedConsumer, DecisionsController];
/** Decides whether a call is texted back: `call.ended.v1` in, `textback.requested|suppressed.v1` out. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime<DecisionConfig>): DynamicModule {
    const directory = locationDirectoryParts(runtime);
    const consent = consentStateParts(runtime.db);
    return serviceModule(AppModule, runtime, {
      controllers: [...decisionControllers, ...consent.controllers, ...directory.controllers],
      providers: [
        TextbackDecisionsService,
        LineTypesService,
        AccessGuard,
        ...consent.providers,
        ...directory.providers,
      ],
    });
  }
}
