import { Module, type DynamicModule } from '@nestjs/common';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { ObservabilityModule } from '@textback/telemetry';

/** Sends text-backs through the carrier (issue 3 builds the sending itself). */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [ObservabilityModule.register(runtime.registry, runtime.readiness)],
      providers: [{ provide: RUNTIME, useValue: runtime }],
    };
  }
}
