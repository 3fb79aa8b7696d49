import { Inject, Injectable } from '@nestjs/common';
import { membershipRefusal, SecretBox, type Access, type RoleMapping } from '@textback/auth';
import type { LocationId } from '@textback/contracts';
import type { TenantScope } from '@textback/persistence';
import {
  checkEgressUrl,
  EgressRefusedError,
  ForbiddenError,
  RUNTIME,
  type ServiceRuntime,
} from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { identityRepository as identity } from '../identity/identity.repository';
import { ssoRepository as sso, type SignInSettingsRow } from './sso.repository';

export interface SignInSettingsChange {
  requireSecondFactor?: boolean | undefined;
  requireSso?: boolean | undefined;
  /** null removes single sign-on (refused while it is required). */
  sso?:
    | {
        issuer: string;
        clientId: string;
        /** Omitted: the secret saved before stays. */
        clientSecret?: string | undefined;
        groupsClaim?: string | undefined;
        roleMappings: RoleMapping[];
      }
    | null
    | undefined;
}

/** What the settings API shows: never the client secret, only whether one is saved. */
export function settingsView(tenantId: string, row: SignInSettingsRow | undefined) {
  return {
    tenantId,
    requireSecondFactor: row?.requireSecondFactor ?? false,
    requireSso: row?.requireSso ?? false,
    sso: row?.ssoIssuer
      ? {
          issuer: row.ssoIssuer,
          clientId: row.ssoClientId,
          clientSecretSet: row.ssoClientSecretSealed !== null,
          groupsClaim: row.ssoGroupsClaim,
          roleMappings: row.ssoRoleMappings,
        }
      : null,
    updatedBy: row?.updatedBy ?? null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

/**
 * A tenant's sign-in policy (require single sign-on, require a second factor) and its OpenID
 * Connect settings. The issuer is checked by the egress rules when saved; the client secret is
 * sealed; a mapping may give no role the person saving it could not grant by hand.
 */
@Injectable()
export class SignInSettingsService {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {}

  async get(scope: TenantScope) {
    return settingsView(scope.tenantId, await sso.settings(this.runtime.db, scope));
  }

  async change(scope: TenantScope, by: Access, change: SignInSettingsChange) {
    const db = this.runtime.db;
    const before = await sso.settings(db, scope);
    let issuer = before?.ssoIssuer ?? null;
    let clientId = before?.ssoClientId ?? null;
    let secret = before?.ssoClientSecretSealed ?? null;
    let groupsClaim = before?.ssoGroupsClaim ?? 'groups';
    let mappings = before?.ssoRoleMappings ?? [];
    if (change.sso === null) {
      [issuer, clientId, secret, mappings] = [null, null, null, []];
    } else if (change.sso) {
      await this.checkMappings(scope, by, change.sso.roleMappings);
      issuer = await this.checkIssuer(change.sso.issuer);
      clientId = change.sso.clientId;
      groupsClaim = change.sso.groupsClaim ?? groupsClaim;
      mappings = change.sso.roleMappings;
      if (change.sso.clientSecret !== undefined)
        secret = await this.box().seal(change.sso.clientSecret, `sso:${scope.tenantId}`);
      else if (before?.ssoIssuer !== issuer || before?.ssoClientId !== clientId) secret = null;
    }
    const requireSso = change.requireSso ?? before?.requireSso ?? false;
    if (requireSso && !issuer)
      throw new GatewayError(
        'invalid-request',
        'requireSso: set up single sign-on (sso) before requiring it',
      );
    await sso.saveSettings(db, scope, {
      requireSso,
      requireSecondFactor: change.requireSecondFactor ?? before?.requireSecondFactor ?? false,
      ssoIssuer: issuer,
      ssoClientId: clientId,
      ssoClientSecretSealed: secret,
      ssoGroupsClaim: groupsClaim,
      ssoRoleMappings: mappings,
      updatedBy: by.subject,
      updatedAt: this.runtime.clock.now(),
    });
    return this.get(scope);
  }

  /** The issuer as saved: checked by the egress rules now, and again at every sign-in. */
  private async checkIssuer(raw: string): Promise<string> {
    try {
      const { url } = await checkEgressUrl(raw, {
        allowInsecure: this.runtime.config.EGRESS_ALLOW_INSECURE,
      });
      return url.href.replace(/\/$/, '');
    } catch (err) {
      if (err instanceof EgressRefusedError)
        throw new GatewayError('invalid-request', `sso.issuer: ${err.message}`);
      throw err;
    }
  }

  private async checkMappings(scope: TenantScope, by: Access, mappings: readonly RoleMapping[]) {
    const locations = new Set(await identity.locationIds(this.runtime.db, scope));
    for (const [i, m] of mappings.entries()) {
      const where = `sso.roleMappings[${i}]`;
      const unknown = m.locationIds?.find((l) => !locations.has(l));
      if (unknown) throw new GatewayError('invalid-request', `${where}: no location ${unknown}`);
      let covers: 'all' | readonly LocationId[] = m.locationIds ?? 'all';
      if (m.groupId) {
        const group = await identity.group(this.runtime.db, scope, m.groupId);
        if (!group)
          throw new GatewayError('invalid-request', `${where}: no location group ${m.groupId}`);
        covers = group.locationIds;
      }
      const refusal = membershipRefusal(by, m.role, covers);
      if (refusal) throw new ForbiddenError('forbidden', `${where}: ${refusal}`);
    }
  }

  private box(): SecretBox {
    const ring = this.runtime.config.TENANT_SECRETS_KEYS;
    if (!ring)
      throw new GatewayError(
        'invalid-request',
        'sso.clientSecret: this gateway has no TENANT_SECRETS_KEYS to seal it with',
      );
    return SecretBox.parse(ring);
  }
}
