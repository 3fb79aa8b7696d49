import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { grantablePermissions, type Access, type Permission } from '@textback/auth';
import type { LocationId } from '@textback/contracts';
import { systemScope, type SystemScope, type TenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime, UnauthorizedError } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { apiKeyRepository as keys, type ApiKeyRow } from './api-key.repository';

/**
 * `txk_<key id>_<secret>`: the id finds the row, the secret (32 random bytes) is checked by hash.
 * `tbk_…`: reporting's analyst keys, moved here (docs/decisions/0009).
 */
const KEY_FORMAT = /^(txk|tbk)_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;
const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

export interface ApiKeyView {
  keyId: string;
  /** `txk`, or `tbk` for an analyst key reporting issued before keys moved here. */
  prefix: string;
  tenantId: string;
  name: string;
  permissions: readonly Permission[];
  locationIds: readonly string[] | null;
  expiresAt: string | null;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * A tenant's API keys: issued with scopes (never more than the issuer may do), shown once,
 * stored as a SHA-256 (a random 256-bit secret needs no slow hash), revoked at once. A key is
 * exchanged here for a short-lived access token (docs/decisions/0009): services only ever verify
 * tokens, and a revoked key stops working everywhere within the token lifetime.
 */
@Injectable()
export class ApiKeysService {
  /** Presented keys are found by id across tenants: the key decides its tenant. */
  private readonly presented: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {
    this.presented = systemScope('gateway: API keys presented for exchange', runtime.logger);
  }

  async issue(
    scope: TenantScope,
    issuer: Access,
    request: {
      name: string;
      permissions: readonly Permission[];
      locationIds?: readonly LocationId[] | undefined;
      expiresAt?: Date | undefined;
    },
  ): Promise<ApiKeyView & { key: string }> {
    const beyond = request.permissions.filter(
      (p) => !grantablePermissions.includes(p) || !issuer.permissions.includes(p),
    );
    if (beyond.length > 0)
      throw new GatewayError('invalid-request', `permissions: may not grant ${beyond.join(', ')}`);
    const locations =
      request.locationIds ?? (scope.locationIds === 'all' ? null : scope.locationIds);
    if (
      scope.locationIds !== 'all' &&
      (locations ?? []).some((l) => !scope.locationIds.includes(l as LocationId))
    )
      throw new GatewayError('invalid-request', 'locationIds: outside your locations');
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row = await keys.insert(this.runtime.db, scope, {
      keyId,
      name: request.name,
      secretSha256: sha256(secret),
      permissions: request.permissions,
      locationIds: locations,
      expiresAt: request.expiresAt ?? null,
      createdBy: issuer.subject,
    });
    return { ...view(row), key: `txk_${keyId}_${secret}` };
  }

  async list(scope: TenantScope): Promise<ApiKeyView[]> {
    return (await keys.list(this.runtime.db, scope)).map(view);
  }

  async revoke(scope: TenantScope, keyId: string): Promise<void> {
    if (!(await keys.revoke(this.runtime.db, scope, keyId, this.runtime.clock.now())))
      throw new GatewayError('not-found', `api key ${keyId}: no such key`);
  }

  /**
   * Moves reporting's analyst keys here (at every start; a key already here is left as it is):
   * they keep working, now exchanged for tokens like every key.
   */
  async importReportingKeys(): Promise<number> {
    const schema =
      this.runtime.config.REPORTING_KEYS_SCHEMA ??
      reportingSchemaBeside(this.runtime.config.DATABASE_SCHEMA ?? 'gateway');
    return keys.importReportingKeys(this.runtime.db, this.presented, schema);
  }

  /** Whether a presented credential looks like one of our API keys. */
  static isApiKey(presented: string): boolean {
    return KEY_FORMAT.test(presented);
  }

  /** The access a presented key grants (and until when), or a 401: unknown, revoked or expired. */
  async accessOf(presented: string): Promise<{ access: Access; notAfter: Date | null }> {
    const [, prefix, keyId, secret] = KEY_FORMAT.exec(presented) ?? [];
    const row = keyId ? await keys.byId(this.runtime.db, this.presented, keyId) : undefined;
    const now = this.runtime.clock.now();
    const valid =
      row !== undefined &&
      secret !== undefined &&
      row.prefix === prefix &&
      timingSafeEqual(row.secretSha256, sha256(secret)) &&
      row.revokedAt === null &&
      (row.expiresAt === null || row.expiresAt > now);
    if (!valid) throw new UnauthorizedError('unauthorized', 'API key unknown, revoked or expired');
    // "Last used" to the minute: a client refreshing its token does not write every time.
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000)
      await keys.touch(this.runtime.db, this.presented, row.keyId, now);
    return {
      access: {
        subject: `api-key:${row.keyId}`,
        kind: 'api-key',
        role: undefined,
        tenantId: row.tenantId,
        locationIds: row.locationIds ?? 'all',
        permissions: row.permissions,
      },
      notAfter: row.expiresAt,
    };
  }
}

function view(r: ApiKeyRow): ApiKeyView {
  return {
    keyId: r.keyId,
    prefix: r.prefix,
    tenantId: r.tenantId,
    name: r.name,
    permissions: r.permissions,
    locationIds: r.locationIds,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

/** Reporting's schema beside the gateway's: services share a prefix (`<prefix>gateway`, `<prefix>reporting`). */
function reportingSchemaBeside(gatewaySchema: string): string {
  return gatewaySchema.endsWith('gateway')
    ? `${gatewaySchema.slice(0, -'gateway'.length)}reporting`
    : 'reporting';
}
