import { Inject, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { AccessGuard, RUNTIME, serviceModule, type ServiceRuntime } from '@textback/service-kit';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthController } from './auth/auth.controller';
import { TokenService } from './auth/token.service';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { Tenancy1763900100000 } from './migrations/1763900100000-tenancy';
import { ApiKeys1764500000000 } from './migrations/1764500000000-api-keys';
import { Identity1765000000000 } from './migrations/1765000000000-identity';
import { ApiKeyPrefix1765000200000 } from './migrations/1765000200000-api-key-prefix';
import { SignIn1765100000000 } from './migrations/1765100000000-sign-in';
import { PasswordReset1765100100000 } from './migrations/1765100100000-password-reset';
import { AuditLog1765100200000 } from './migrations/1765100200000-audit-log';
import { StaffPhones1765200200000 } from './migrations/1765200200000-staff-phones';
import { AnnounceMembers1765300100000 } from './migrations/1765300100000-announce-members';
import { PartnerApi1765400000000 } from './migrations/1765400000000-partner-api';
import { SingleSignOn1765200000000 } from './migrations/1765200000000-single-sign-on';
import { SignInSettingsController } from './single-sign-on/sign-in-settings.controller';
import { SignInSettingsService } from './single-sign-on/sign-in-settings.service';
import { SingleSignOnController } from './single-sign-on/sso.controller';
import { SingleSignOnService } from './single-sign-on/sso.service';
import { OpenIdProviders } from './single-sign-on/openid-providers';
import { AuditConsumer } from './audit/audit.consumer';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { PasswordResetService } from './sign-in/password-reset.service';
import { SignInController } from './sign-in/sign-in.controller';
import { SignInService } from './sign-in/sign-in.service';
import { SecondFactorService } from './sign-in/second-factor.service';
import { ClientsController, GrantsController } from './identity/clients.controller';
import { ClientsService } from './identity/clients.service';
import { IdentityService } from './identity/identity.service';
import { SessionsService } from './identity/sessions.service';
import { StaffLinks } from './identity/staff-links.service';
import { PhoneController } from './identity/phone.controller';
import { PlatformAdminsController, UsersController } from './identity/users.controller';
import { SettingsPageController } from './settings-page.controller';
import { CallHandlers } from './partner/handlers/calls';
import { ConsentAndReportHandlers } from './partner/handlers/consent-and-reports';
import { LeadHandlers } from './partner/handlers/leads';
import { LocationHandlers } from './partner/handlers/locations';
import { TenantHandlers } from './partner/handlers/tenants';
import { ThreadHandlers } from './partner/handlers/threads';
import { SandboxHandlers } from './partner/handlers/sandbox';
import { IdempotentRequests } from './partner/idempotent-requests';
import { PartnerAuth } from './partner/partner-auth';
import { PartnerDispatcher } from './partner/partner-dispatcher';
import { PartnerDocsController } from './partner/partner-docs.controller';
import { PartnerGrpcServer } from './partner/partner-grpc.server';
import { PartnerMeter } from './partner/partner-meter';
import { PartnerRest } from './partner/partner-rest';
import { PartnerRestController, PartnerTokenGuard } from './partner/partner-rest.controller';
import { PartnerUsageController } from './partner/partner-usage.controller';
import { PeerServices } from './partner/peers';
import { SandboxTenants } from './partner/sandbox-tenants';
import { TenancyController } from './tenancy/tenancy.controller';
import { TenancyService } from './tenancy/tenancy.service';

export const gatewayMigrations = [
  Tenancy1763900100000,
  ApiKeys1764500000000,
  Identity1765000000000,
  ApiKeyPrefix1765000200000,
  SignIn1765100000000,
  PasswordReset1765100100000,
  AuditLog1765100200000,
  SingleSignOn1765200000000,
  StaffPhones1765200200000,
  AnnounceMembers1765300100000,
  PartnerApi1765400000000,
];

/** The controllers of gateway (its HTTP routes: the route inventory reads them). */
export const gatewayControllers = [
  TenancyController,
  AuthController,
  ApiKeysController,
  UsersController,
  PlatformAdminsController,
  ClientsController,
  GrantsController,
  SignInController,
  PhoneController,
  SingleSignOnController,
  SignInSettingsController,
  AuditController,
  AuditConsumer,
  SettingsPageController,
  PartnerDocsController,
  PartnerRestController,
  PartnerUsageController,
];
/**
 * The edge for people and partners: tenancy (tenants, locations, business numbers) and its admin
 * API, identity and tokens, the audit log, and the partner API (gRPC and REST from one proto).
 */
@Module({})
export class AppModule implements OnApplicationBootstrap {
  constructor(
    private readonly tenancy: TenancyService,
    private readonly apiKeys: ApiKeysService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
  ) {}

  static register(runtime: ServiceRuntime<GatewayConfig>): DynamicModule {
    return serviceModule(AppModule, runtime, {
      controllers: gatewayControllers,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: runtime.config },
        AccessGuard,
        TenancyService,
        TokenService,
        ApiKeysService,
        IdentityService,
        SessionsService,
        StaffLinks,
        ClientsService,
        SignInService,
        SecondFactorService,
        PasswordResetService,
        AuditService,
        SingleSignOnService,
        OpenIdProviders,
        SignInSettingsService,
        PartnerAuth,
        PartnerTokenGuard,
        PartnerMeter,
        IdempotentRequests,
        PeerServices,
        SandboxTenants,
        TenantHandlers,
        LocationHandlers,
        CallHandlers,
        ThreadHandlers,
        LeadHandlers,
        ConsentAndReportHandlers,
        SandboxHandlers,
        PartnerDispatcher,
        PartnerRest,
        PartnerGrpcServer,
      ],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const moved = await this.apiKeys.importReportingKeys();
    if (moved > 0) this.runtime.logger.info({ moved }, "reporting's analyst keys moved here");
    const file = this.runtime.config.TENANCY_SEED_FILE;
    if (!file) return;
    const seeded = await this.tenancy.seed(file);
    this.runtime.logger.info(seeded, 'tenancy seed applied');
  }
}
