import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';

/** Threads, leads and the operator inbox (issue 5). */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(AppModule, runtime);
  }
}
