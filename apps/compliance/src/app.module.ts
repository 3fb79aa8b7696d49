import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';

/** Consent ledger and quiet hours (issue 4). */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(AppModule, runtime);
  }
}
