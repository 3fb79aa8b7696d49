import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, gatewayMigrations } from './app.module';
import { loadGatewayConfig } from './config';

export const startGateway = serviceStarter({
  service: 'gateway',
  loadConfig: loadGatewayConfig,
  module: AppModule,
  migrations: gatewayMigrations,
  // A location may list up to 10,000 spam numbers (~20 bytes each as JSON); Express's default 100 KB is too small.
  configure: (app) => {
    app.useBodyParser('json', { limit: '1mb' });
  },
});

runIfMain(module, () => startGateway(process.env));
export { runAdmin } from './cli/admin';
export { IdentityService } from './identity/identity.service';
export { gatewayControllers } from './app.module';
export { ApiKeysService } from './api-keys/api-keys.service';
export { SignInService } from './sign-in/sign-in.service';
export { AuditService } from './audit/audit.service';
export { PartnerGrpcServer } from './partner/partner-grpc.server';
export { restBindings } from './partner/http-rules';
