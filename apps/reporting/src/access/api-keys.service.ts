import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ReportingConfig } from '../config';
import { ReportingError } from '../errors';

/** Who is asking: the operator (any tenant) or an analyst key of one tenant. */
export type Caller = { kind: 'admin' } | { kind: 'tenant-key'; keyId: string; tenantId: string };

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

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {
    this.refused = counterOf(
      runtime.registry,
      'reporting_api_auth_failures_total',
      'Analyst API requests refused for their key',
      ['reason'],
    );
  }

  async create(tenantId: string, name: string): Promise<ApiKeyView & { key: string }> {
    if (!this.directory.all().some((l) => l.tenantId === tenantId))
      throw new ReportingError('not-found', `tenant ${tenantId}: no such tenant`);
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const [row]: ApiKeyRow[] = await this.runtime.dataSource.query(
      'INSERT INTO api_key (key_id, tenant_id, name, secret_sha256) VALUES ($1, $2, $3, $4) RETURNING *',
      [keyId, tenantId, name, sha256(secret)],
    );
    if (!row) throw new Error('api_key insert returned no row');
    return { ...view(row), key: `tbk_${keyId}_${secret}` };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    const rows: ApiKeyRow[] = await this.runtime.dataSource.query(
      'SELECT * FROM api_key WHERE tenant_id = $1 ORDER BY created_at',
      [tenantId],
    );
    return rows.map(view);
  }

  async revoke(keyId: string): Promise<void> {
    const done: [unknown[], number] = await this.runtime.dataSource.query(
      'UPDATE api_key SET revoked_at = COALESCE(revoked_at, now()) WHERE key_id = $1',
      [keyId],
    );
    if (done[1] === 0) throw new ReportingError('not-found', `api key ${keyId}: no such key`);
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
    if (constantTimeEquals(given, this.runtime.config.ADMIN_API_KEY)) return { kind: 'admin' };
    const match = KEY_FORMAT.exec(given);
    if (match) {
      const [, keyId, secret] = match as unknown as [string, string, string];
      const [row]: ApiKeyRow[] = await this.runtime.dataSource.query(
        'SELECT * FROM api_key WHERE key_id = $1 AND revoked_at IS NULL',
        [keyId],
      );
      if (row && timingSafeEqual(row.secret_sha256, sha256(secret))) {
        // "Last used" to the minute: a dashboard polling the API does not write on every request.
        if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
          await this.runtime.dataSource.query(
            'UPDATE api_key SET last_used_at = now() WHERE key_id = $1',
            [keyId],
          );
        }
        return { kind: 'tenant-key', keyId, tenantId: row.tenant_id };
      }
    }
    this.refused.inc({ reason: 'unknown-or-revoked' });
    throw new ReportingError('unauthorized', 'API key unknown or revoked');
  }
}

/** The tenant a request may read: a tenant key reads only its own; the operator names one. */
export function tenantFor(caller: Caller, asked: string | undefined): string {
  if (caller.kind === 'tenant-key') {
    if (asked && asked !== caller.tenantId)
      throw new ReportingError('forbidden', `this API key reads tenant ${caller.tenantId} only`);
    return caller.tenantId;
  }
  if (!asked) throw new ReportingError('invalid-request', 'tenantId: required');
  return asked;
}

interface ApiKeyRow {
  key_id: string;
  tenant_id: string;
  name: string;
  secret_sha256: Buffer;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function view(r: ApiKeyRow): ApiKeyView {
  return {
    keyId: r.key_id,
    tenantId: r.tenant_id,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}

function constantTimeEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
