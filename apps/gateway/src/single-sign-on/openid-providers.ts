import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { SecretBox } from '@textback/auth';
import type { TenantScope } from '@textback/persistence';
import { egressRequest, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import type { SignInSettingsRow } from './sso.repository';

const DISCOVERY_CACHE_MS = 10 * 60_000;

export type SsoSettings = SignInSettingsRow & { ssoIssuer: string; ssoClientId: string };

/**
 * Tenants' OpenID providers as `openid-client` configurations: discovered through the egress
 * helper (https only, public addresses only; plain http only under the development setting), the
 * client secret opened from its seal, kept ten minutes or until the settings change.
 */
@Injectable()
export class OpenIdProviders {
  private readonly discovered = new Map<
    string,
    { key: string; at: number; config: oidc.Configuration }
  >();

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {}

  /** The tenant's provider, or undefined (logged) when it cannot be reached or is not one. */
  async configFor(scope: TenantScope, s: SsoSettings): Promise<oidc.Configuration | undefined> {
    const key = `${s.ssoIssuer} ${s.ssoClientId} ${s.updatedAt.toISOString()}`;
    const cached = this.discovered.get(scope.tenantId);
    const now = this.runtime.clock.now().getTime();
    if (cached?.key === key && now - cached.at < DISCOVERY_CACHE_MS) return cached.config;
    const ring = this.runtime.config.TENANT_SECRETS_KEYS;
    const secret =
      s.ssoClientSecretSealed && ring
        ? await SecretBox.parse(ring).open(s.ssoClientSecretSealed, `sso:${scope.tenantId}`)
        : undefined;
    const insecure = this.runtime.config.EGRESS_ALLOW_INSECURE;
    const egress: oidc.CustomFetch = (url, options) =>
      egressRequest(
        url,
        {
          method: options.method,
          headers: options.headers as Record<string, string>,
          body: options.body as string | undefined,
        },
        { allowInsecure: insecure },
        { timeoutMs: 10_000, ...(options.signal ? { signal: options.signal } : {}) },
      );
    try {
      const config = await oidc.discovery(
        new URL(s.ssoIssuer),
        s.ssoClientId,
        secret,
        secret ? oidc.ClientSecretPost(secret) : oidc.None(),
        {
          [oidc.customFetch]: egress,
          ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
        },
      );
      this.discovered.set(scope.tenantId, { key, at: now, config });
      return config;
    } catch (err) {
      this.runtime.logger.warn({ err, tenantId: scope.tenantId }, 'OpenID discovery failed');
      return undefined;
    }
  }
}
