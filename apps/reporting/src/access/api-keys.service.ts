import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { InvalidTokenError, looksLikeAccessToken, type TokenVerifier } from '@textback/auth';
import type { LocationId, TenantId } from '@textback/contracts';
import {
  systemScope,
  tenantScope,
  type SystemScope,
  type TenantScope,
} from '@textback/persistence';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ReportingConfig } from '../config';
import { ReportingError } from '../errors';
import { apiKeyRepository as keys, type ApiKeyRow } from './api-key.repository';

/** Who is asking: the operator (any tenant) or an analyst key of one tenant. */
export type Caller =
  | { kind: 'admin' }
  | {
      kind: 'tenant-key';
      keyId: string;
      tenantId: TenantId;
      /** A gateway token may narrow the caller to some locations (reporting keys see all). */
      locationIds?: 'all' | readonly LocationId[];
    };

export interface ApiKeyView {
  keyId: string;
  tenantId: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** `tbk_<key id>_<secret>`: the id finds the row, the secret (32 random bytes) is checked by hash. */
const KEY_FORMAT = /^tbk_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Analyst API keys scoped to a tenant. The secret is shown once, at creation; only its SHA-256
 * is stored (a random 256-bit secret needs no slow hash). Revoked keys stop working at once.
 */
@Injectable()
export class ApiKeysService {
  /** Refused API calls (a spike is someone guessing keys, or a revoked key still in use). */
  private readonly refused: Counter<'reason'>;
  /** A presented key is looked up before its tenant is known. */
  private readonly presentedKeys: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {
    this.presentedKeys = systemScope('reporting: analyst API keys by key id', runtime.logger);
    this.refused = counterOf(
      runtime.registry,
      'reporting_api_auth_failures_total',
      'Analyst API requests refused for their key',
      ['reason'],
    );
  }

  async create(scope: TenantScope, name: string): Promise<ApiKeyView & { key: string }> {
    if (!this.directory.hasTenant(scope.tenantId))
      throw new ReportingError('not-found', `tenant ${scope.tenantId}: no such tenant`);
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row = await keys.insert(this.runtime.db, scope, {
      keyId,
      name,
      secretSha256: sha256(secret),
    });
    return { ...view(row), key: `tbk_${keyId}_${secret}` };
  }

  async list(scope: TenantScope): Promise<ApiKeyView[]> {
    return (await keys.list(this.runtime.db, scope)).map(view);
  }

  async revoke(scope: TenantScope, keyId: string): Promise<void> {
    if (!(await keys.revoke(this.runtime.db, scope, keyId)))
      throw new ReportingError('not-found', `api key ${keyId}: no such key`);
  }

  /** The caller behind an `Authorization: Bearer …` header, or a 401 saying what is wrong. */
  async authenticate(header: string | undefined): Promise<Caller> {
    const given = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!given) {
      this.refused.inc({ reason: 'missing' });
      throw new ReportingError(
        'unauthorized',
        'API key missing (Authorization: Bearer <tenant API key>)',
      );
    }
    const tokens = this.runtime.tokens;
    if (tokens && looksLikeAccessToken(given)) return this.fromToken(tokens, given);
    const match = KEY_FORMAT.exec(given);
    if (match) {
      const [, keyId, secret] = match as unknown as [string, string, string];
      const row = await keys.activeById(this.runtime.db, this.presentedKeys, keyId);
      if (row && timingSafeEqual(row.secretSha256, sha256(secret))) {
        // "Last used" to the minute: a dashboard polling the API does not write on every request.
        if (
          !row.lastUsedAt ||
          this.runtime.clock.now().getTime() - row.lastUsedAt.getTime() > 60_000
        )
          await keys.touch(this.runtime.db, this.presentedKeys, keyId);
        return { kind: 'tenant-key', keyId, tenantId: row.tenantId };
      }
    }
    this.refused.inc({ reason: 'unknown-or-revoked' });
    throw new ReportingError('unauthorized', 'API key unknown or revoked');
  }

  /** A gateway access token (a user's or an API key's) that may read reports. */
  private async fromToken(tokens: TokenVerifier, token: string): Promise<Caller> {
    let access;
    try {
      access = await tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) {
        this.refused.inc({ reason: 'invalid-token' });
        throw new ReportingError('unauthorized', err.message);
      }
      throw err;
    }
    if (!access.permissions.includes('reports:read'))
      throw new ReportingError('forbidden', 'this credential may not reports:read');
    if (access.tenantId === '*') return { kind: 'admin' };
    return {
      kind: 'tenant-key',
      keyId: access.subject,
      tenantId: access.tenantId,
      locationIds: access.locationIds,
    };
  }
}

/** The scope of a report: the caller's tenant, narrowed to its locations when a token says so. */
export function reportScope(caller: Caller, tenantId: TenantId): TenantScope {
  return tenantScope(
    tenantId,
    caller.kind === 'tenant-key' ? (caller.locationIds ?? 'all') : 'all',
  );
}

/** The tenant a request may read: a tenant key reads only its own; the operator names one. */
export function tenantFor(caller: Caller, asked: TenantId | undefined): TenantId {
  if (caller.kind === 'tenant-key') {
    if (asked && asked !== caller.tenantId)
      throw new ReportingError('forbidden', `this API key reads tenant ${caller.tenantId} only`);
    return caller.tenantId;
  }
  if (!asked) throw new ReportingError('invalid-request', 'tenantId: required');
  return asked;
}

function view(r: ApiKeyRow): ApiKeyView {
  return {
    keyId: r.keyId,
    tenantId: r.tenantId,
    name: r.name,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}
