import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';

/** Sends text-backs through the carrier (issue 3 builds the sending itself). */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(AppModule, runtime);
  }
}
