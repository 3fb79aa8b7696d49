import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { InvalidTokenError, looksLikeAccessToken, type Access } from '@textback/auth';
import type { LocationId, TenantId } from '@textback/contracts';
import { exchangeWithin, jsonOrUndefined } from '@textback/exchange';
import { tenantScope, type TenantScope } from '@textback/persistence';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { ReportingError } from '../errors';

/** Who is asking: a platform administrator (any tenant) or a credential of one tenant. */
export type Caller =
  | { kind: 'admin' }
  | {
      kind: 'tenant-key';
      keyId: string;
      tenantId: TenantId;
      /** A credential may be narrowed to some locations. */
      locationIds?: 'all' | readonly LocationId[];
    };

/** An API key as analysts' tools present it: the gateway's (`txk_`) or reporting's older (`tbk_`). */
const API_KEY = /^(txk|tbk)_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/;
const CACHED_KEYS = 1_000;

/**
 * The analyst API's credentials: a gateway access token with `reports:read`, or an API key —
 * which this service exchanges at the gateway like any client would (docs/decisions/0009) and
 * keeps the token until shortly before it expires, so dashboards that send their key on every
 * request keep working (reporting's own `tbk_` keys moved to the gateway, #15).
 */
@Injectable()
export class ApiKeysService {
  /** Refused API calls (a spike is someone guessing keys, or a revoked key still in use). */
  private readonly refused: Counter<'reason'>;
  /** Tokens by the SHA-256 of the key they were exchanged for (never the key itself). */
  private readonly exchanged = new Map<string, { token: string; renewAt: number }>();

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.refused = counterOf(
      runtime.registry,
      'reporting_api_auth_failures_total',
      'Analyst API requests refused for their credential',
      ['reason'],
    );
  }

  /** The caller behind an `Authorization: Bearer …` header, or a 401 saying what is wrong. */
  async authenticate(
    header: string | undefined,
    verified?: (access: Access) => void,
  ): Promise<Caller> {
    const given = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!given) {
      this.refused.inc({ reason: 'missing' });
      throw new ReportingError(
        'unauthorized',
        'credential missing (Authorization: Bearer <access token or API key>)',
      );
    }
    const token = API_KEY.test(given) ? await this.tokenFor(given) : given;
    if (!looksLikeAccessToken(token)) {
      this.refused.inc({ reason: 'unknown-or-revoked' });
      throw new ReportingError('unauthorized', 'API key unknown or revoked');
    }
    return this.fromToken(token, verified);
  }

  /** The access token an API key is exchanged for at the gateway (cached until near its end). */
  private async tokenFor(key: string): Promise<string> {
    const id = createHash('sha256').update(key).digest('hex');
    const now = this.runtime.clock.now().getTime();
    const cached = this.exchanged.get(id);
    if (cached && now < cached.renewAt) return cached.token;
    this.exchanged.delete(id);
    const url = this.runtime.tokenUrl();
    if (!url) throw new ReportingError('auth-unavailable', 'no gateway configured');
    const res = await exchangeWithin(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${key}` } },
      { timeoutMs: 5_000 },
    ).catch(() => {
      throw new ReportingError('auth-unavailable', 'the gateway did not answer');
    });
    if (res.status === 401) {
      this.refused.inc({ reason: 'unknown-or-revoked' });
      throw new ReportingError('unauthorized', 'API key unknown, revoked or expired');
    }
    if (!res.ok) throw new ReportingError('auth-unavailable', `the gateway answered ${res.status}`);
    const body = jsonOrUndefined(res) as { access_token?: unknown; expires_in?: unknown } | null;
    if (typeof body?.access_token !== 'string' || typeof body.expires_in !== 'number')
      throw new ReportingError('auth-unavailable', 'the gateway answered without a token');
    if (this.exchanged.size >= CACHED_KEYS) this.exchanged.clear();
    this.exchanged.set(id, {
      token: body.access_token,
      renewAt: now + Math.max(0, body.expires_in - 30) * 1000,
    });
    return body.access_token;
  }

  private async fromToken(token: string, verified?: (access: Access) => void): Promise<Caller> {
    const tokens = this.runtime.tokens;
    if (!tokens) throw new ReportingError('auth-unavailable', 'no gateway configured');
    let access: Access;
    try {
      access = await tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) {
        this.refused.inc({ reason: 'invalid-token' });
        throw new ReportingError('unauthorized', err.message);
      }
      throw err;
    }
    verified?.(access);
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

/** The tenant a request may read: a tenant's credential reads only its own; an admin names one. */
export function tenantFor(caller: Caller, asked: TenantId | undefined): TenantId {
  if (caller.kind === 'tenant-key') {
    if (asked && asked !== caller.tenantId)
      throw new ReportingError('forbidden', `this credential reads tenant ${caller.tenantId} only`);
    return caller.tenantId;
  }
  if (!asked) throw new ReportingError('invalid-request', 'tenantId: required');
  return asked;
}
