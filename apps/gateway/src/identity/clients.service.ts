import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { scopesBeyond, type Access, type PartnerScope } from '@textback/auth';
import type { LocationId } from '@textback/contracts';
import { systemScope, type SystemScope, type TenantScope } from '@textback/persistence';
import {
  ForbiddenError,
  RUNTIME,
  type ServiceRuntime,
  UnauthorizedError,
} from '@textback/service-kit';
import { GatewayError } from '../errors';
import { SandboxTenants, type Sandbox } from '../partner/sandbox-tenants';
import {
  credentialsRepository as credentials,
  type ClientRow,
  type GrantRow,
} from './credentials.repository';
import { newSecret, secretMatches } from './secret-credential';

const CLIENT_ID = /^txc_[a-f0-9]{16}$/;

export interface ClientView {
  clientId: string;
  name: string;
  scopes: readonly PartnerScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface GrantView {
  clientId: string;
  tenantId: string;
  scopes: readonly PartnerScope[];
  locationIds: readonly string[] | null;
  grantedBy: string;
  grantedAt: string;
  revokedAt: string | null;
}

/**
 * Partners' OAuth2 client-credentials clients (registered by the platform, secret shown once,
 * SHA-256 stored) and the grants tenants give them. A token is for one granting tenant, with the
 * scopes both the client and that grant allow.
 */
@Injectable()
export class ClientsService {
  private readonly platform: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly sandboxes: SandboxTenants,
  ) {
    this.platform = systemScope('gateway: partner clients across tenants', runtime.logger);
  }

  async create(
    creator: Access,
    c: { name: string; scopes: readonly PartnerScope[] },
  ): Promise<ClientView & { clientSecret: string; sandbox: Sandbox }> {
    const { secret, sha256 } = newSecret();
    const row = await credentials.insertClient(this.runtime.db, this.platform, {
      clientId: `txc_${randomBytes(8).toString('hex')}`,
      name: c.name,
      secretSha256: sha256,
      scopes: c.scopes,
      createdBy: creator.subject,
    });
    const sandbox = await this.sandboxes.provision(row);
    return { ...clientView(row), clientSecret: secret, sandbox };
  }

  async list(): Promise<ClientView[]> {
    return (await credentials.clients(this.runtime.db, this.platform)).map(clientView);
  }

  /** The platform revokes a client (a leaked secret, a partner that left): refused at once. */
  async revoke(clientId: string): Promise<void> {
    const now = this.runtime.clock.now();
    if (!(await credentials.revokeClient(this.runtime.db, this.platform, clientId, now)))
      throw new GatewayError('not-found', `client ${clientId}: no such live client`);
  }

  /** A tenant lets a client in: never more than the client may ask for or the granter may do. */
  async grant(
    scope: TenantScope,
    granter: Access,
    g: {
      clientId: string;
      scopes: readonly PartnerScope[];
      locationIds?: readonly LocationId[] | undefined;
    },
  ): Promise<GrantView> {
    const client = await credentials.client(this.runtime.db, this.platform, g.clientId);
    if (!client || client.revokedAt)
      throw new GatewayError('not-found', `client ${g.clientId}: no such client`);
    const beyond = [
      ...g.scopes.filter((s) => !client.scopes.includes(s)),
      ...scopesBeyond(g.scopes, granter.permissions),
    ];
    if (beyond.length > 0)
      throw new ForbiddenError('forbidden', `scopes: may not grant ${beyond.join(', ')}`);
    const mine = scope.locationIds;
    const locations = g.locationIds ?? (mine === 'all' ? null : mine);
    if (mine !== 'all' && (locations ?? []).some((l) => !mine.includes(l as LocationId)))
      throw new ForbiddenError('forbidden', 'locationIds: outside your locations');
    const row = await credentials.grant(this.runtime.db, scope, {
      clientId: client.clientId,
      scopes: g.scopes,
      locationIds: locations,
      grantedBy: granter.subject,
    });
    return grantView(row);
  }

  async grants(scope: TenantScope): Promise<(GrantView & { clientName: string })[]> {
    return (await credentials.grants(this.runtime.db, scope)).map((g) => ({
      ...grantView(g),
      clientName: g.clientName,
    }));
  }

  /** The live grants a client holds, every tenant's (what the client itself may know). */
  async grantsOfClient(clientId: string): Promise<GrantView[]> {
    return (await credentials.grantsOf(this.runtime.db, this.platform, clientId)).map(grantView);
  }

  /** The tenant's live grant to a live client, or undefined (the partner API checks each call). */
  async liveGrant(scope: TenantScope, clientId: string): Promise<GrantView | undefined> {
    const row = await credentials.liveGrant(this.runtime.db, scope, clientId);
    return row ? grantView(row) : undefined;
  }

  async revokeGrant(scope: TenantScope, clientId: string): Promise<void> {
    if (
      !(await credentials.revokeGrant(this.runtime.db, scope, clientId, this.runtime.clock.now()))
    )
      throw new GatewayError('not-found', `client ${clientId}: no live grant here`);
  }

  /**
   * The access of a client authenticating with its secret, for one granting tenant (named, or its
   * only one) and optionally fewer scopes; a 401 for a wrong secret, a 403 for no grant.
   */
  async accessOf(
    clientId: string,
    secret: string,
    ask: { tenantId?: string | undefined; scopes?: readonly string[] | undefined },
  ): Promise<Access> {
    const db = this.runtime.db;
    const client = CLIENT_ID.test(clientId)
      ? await credentials.client(db, this.platform, clientId)
      : undefined;
    if (!client || client.revokedAt || !secretMatches(client.secretSha256, secret))
      throw new UnauthorizedError('unauthorized', 'client unknown, revoked or secret wrong');
    const now = this.runtime.clock.now();
    if (!client.lastUsedAt || now.getTime() - client.lastUsedAt.getTime() > 60_000)
      await credentials.touchClient(db, this.platform, clientId, now);
    const grants = await credentials.grantsOf(db, this.platform, clientId);
    // Unnamed, the tenant is the one brand that granted the client (its sandbox if none has).
    const brands = grants.filter((g) => !g.tenantId.startsWith('sandbox-'));
    const pool = brands.length > 0 ? brands : grants;
    const grant = ask.tenantId
      ? grants.find((g) => g.tenantId === ask.tenantId)
      : pool.length === 1
        ? pool[0]
        : undefined;
    if (!grant)
      throw new ForbiddenError(
        'forbidden',
        ask.tenantId || pool.length === 0
          ? `no tenant has granted this client access${ask.tenantId ? ` (${ask.tenantId})` : ''}`
          : 'several tenants granted this client: name one (tenant_id)',
      );
    const allowed = grant.scopes.filter((s) => client.scopes.includes(s));
    const unknown = (ask.scopes ?? []).filter((s) => !allowed.includes(s as PartnerScope));
    if (unknown.length > 0)
      throw new ForbiddenError('forbidden', `scope: not granted ${unknown.join(' ')}`);
    return {
      subject: `client:${clientId}`,
      kind: 'client',
      role: undefined,
      tenantId: grant.tenantId,
      locationIds: grant.locationIds ?? 'all',
      // A partner's token opens the partner API only: the gateway calls services for it.
      permissions: [],
      scopes: ask.scopes ? allowed.filter((s) => ask.scopes?.includes(s)) : allowed,
      displayName: client.name,
    };
  }
}

function clientView(c: ClientRow): ClientView {
  return {
    clientId: c.clientId,
    name: c.name,
    scopes: c.scopes,
    createdAt: c.createdAt.toISOString(),
    lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
    revokedAt: c.revokedAt?.toISOString() ?? null,
  };
}

function grantView(g: GrantRow): GrantView {
  return {
    clientId: g.clientId,
    tenantId: g.tenantId,
    scopes: g.scopes,
    locationIds: g.locationIds,
    grantedBy: g.grantedBy,
    grantedAt: g.grantedAt.toISOString(),
    revokedAt: g.revokedAt?.toISOString() ?? null,
  };
}
