import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@textback/service-kit';

/** Partner REST/gRPC gateway. */
@Module({})
export class AppModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(AppModule, runtime);
  }
}
