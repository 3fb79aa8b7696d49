import { Module, type DynamicModule } from '@nestjs/common';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { ObservabilityModule } from '@textback/telemetry';

/** Threads, leads and the operator inbox (issue 5). */
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
