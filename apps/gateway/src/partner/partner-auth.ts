import { Inject, Injectable } from '@nestjs/common';
import {
  InvalidTokenError,
  looksLikeAccessToken,
  TokenVerifier,
  type Access,
  type PartnerScope,
} from '@textback/auth';
import type { TenantId } from '@textback/contracts';
import { tenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { TokenService } from '../auth/token.service';
import { ClientsService } from '../identity/clients.service';
import { PartnerError } from './partner-errors';

/** A partner client's token: its client, tenant, and the scopes it was issued with. */
export type PartnerAccess = Access & { kind: 'client'; scopes: readonly PartnerScope[] };

/**
 * Who calls the partner API: a partner client's access token (OAuth2 client credentials at
 * `/v1/auth/token`), verified against the gateway's own keys, and — on every call, not only
 * when the token was issued — the tenant's grant as it stands now: a revoked grant or client is
 * refused at once, a narrowed grant narrows at once.
 */
@Injectable()
export class PartnerAuth {
  private verifier: TokenVerifier | undefined;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly tokens: TokenService,
    private readonly clients: ClientsService,
  ) {}

  async authenticate(authorization: string | undefined): Promise<PartnerAccess> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    if (!looksLikeAccessToken(token))
      throw new PartnerError(
        'unauthorized',
        'credential missing or wrong: Authorization: Bearer <a token from POST /v1/auth/token with grant_type=client_credentials>',
      );
    this.verifier ??= TokenVerifier.ofJwks(this.tokens.jwks, this.runtime.clock);
    let access: Access;
    try {
      access = await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new PartnerError('unauthorized', err.message);
      throw err;
    }
    if (access.kind !== 'client' || !access.scopes)
      throw new PartnerError(
        'forbidden',
        "the partner API takes a partner client's token (OAuth2 client credentials), not a person's or an API key's",
      );
    return access as PartnerAccess;
  }

  /** The access a call has on `tenantId` now: the grant's scopes and locations, or a refusal. */
  async granted(
    access: PartnerAccess,
    tenantId: TenantId,
  ): Promise<PartnerAccess & { tenantId: TenantId }> {
    if (access.tenantId !== tenantId)
      throw new PartnerError(
        'forbidden',
        `this token is for tenant ${access.tenantId} only (ask /v1/auth/token for tenant_id=${tenantId})`,
      );
    const clientId = access.subject.replace(/^client:/, '');
    const grant = await this.clients.liveGrant(tenantScope(tenantId), clientId);
    if (!grant)
      throw new PartnerError('forbidden', `tenant ${tenantId} has revoked this client's access`);
    return {
      ...access,
      tenantId,
      scopes: access.scopes.filter((s) => grant.scopes.includes(s)),
      locationIds: (grant.locationIds as Access['locationIds'] | null) ?? 'all',
    };
  }
}
