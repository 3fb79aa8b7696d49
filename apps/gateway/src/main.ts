import 'reflect-metadata';
import { raw } from 'express';
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
    // The partner API reads its own bytes: strictly, as proto3 JSON, and a body that is not JSON
    // gets its problem details like every other partner error. First: a parser marks the body
    // read, and the JSON parser below then leaves it alone.
    app.use('/v1/partner', raw({ type: () => true, limit: '1mb' }));
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
