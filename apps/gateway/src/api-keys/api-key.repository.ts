import { z } from 'zod';
import { permissions } from '@textback/auth';
import { col, type Database, type SystemScope, type TenantScope } from '@textback/persistence';

const ApiKeyRow = z.object({
  keyId: col.text,
  prefix: z.enum(['txk', 'tbk']),
  tenantId: col.tenantId,
  name: col.text,
  secretSha256: z.instanceof(Buffer),
  permissions: z.array(z.enum(permissions)),
  locationIds: z.array(col.locationId).nullable(),
  expiresAt: col.timestamp.nullable(),
  createdBy: col.text,
  createdAt: col.timestamp,
  lastUsedAt: col.timestamp.nullable(),
  revokedAt: col.timestamp.nullable(),
});
export type ApiKeyRow = z.output<typeof ApiKeyRow>;

/** A tenant's API keys (the gateway checks them and exchanges them for access tokens). */
export const apiKeyRepository = {
  insert(
    db: Database,
    scope: TenantScope,
    k: {
      keyId: string;
      name: string;
      secretSha256: Buffer;
      permissions: readonly string[];
      locationIds: readonly string[] | null;
      expiresAt: Date | null;
      createdBy: string;
    },
  ): Promise<ApiKeyRow> {
    return db.selectOne(
      ApiKeyRow,
      `INSERT INTO api_key (key_id, tenant_id, name, secret_sha256, permissions, location_ids, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        k.keyId,
        scope.tenantId,
        k.name,
        k.secretSha256,
        k.permissions,
        k.locationIds,
        k.expiresAt,
        k.createdBy,
      ],
    );
  },

  list(db: Database, scope: TenantScope): Promise<ApiKeyRow[]> {
    return db.select(ApiKeyRow, 'SELECT * FROM api_key WHERE tenant_id = $1 ORDER BY created_at', [
      scope.tenantId,
    ]);
  },

  /** False when the tenant has no such key. */
  async revoke(db: Database, scope: TenantScope, keyId: string, at: Date): Promise<boolean> {
    const updated = await db.mutate(
      'UPDATE api_key SET revoked_at = COALESCE(revoked_at, $3) WHERE key_id = $1 AND tenant_id = $2',
      [keyId, scope.tenantId, at],
    );
    return updated > 0;
  },

  /** A presented key is found by its id before its tenant is known: the key decides the tenant. */
  byId(db: Database, _scope: SystemScope, keyId: string): Promise<ApiKeyRow | undefined> {
    return db.selectFirst(ApiKeyRow, 'SELECT * FROM api_key WHERE key_id = $1', [keyId]);
  },

  /**
   * Copies reporting's analyst keys (`tbk_…`, in `schema`, beside this one in the database) that
   * are not here yet: same id and secret hash, scope `reports:read`, revocation kept. Returns how
   * many were copied; nothing when that table does not exist.
   */
  async importReportingKeys(db: Database, _scope: SystemScope, schema: string): Promise<number> {
    const source = `"${schema.replace(/"/g, '')}".api_key`;
    const exists = await db.selectOne(
      z.object({ exists: col.bool }),
      'SELECT to_regclass($1) IS NOT NULL AS exists',
      [source],
    );
    if (!exists.exists) return 0;
    return db.mutate(
      `INSERT INTO api_key (key_id, prefix, tenant_id, name, secret_sha256, permissions, created_by, created_at, last_used_at, revoked_at)
       SELECT r.key_id, 'tbk', r.tenant_id, r.name, r.secret_sha256, ARRAY['reports:read'], 'reporting (moved)', r.created_at, r.last_used_at, r.revoked_at
       FROM ${source} r JOIN tenant t ON t.tenant_id = r.tenant_id
       ON CONFLICT (key_id) DO NOTHING`,
    );
  },

  async touch(db: Database, _scope: SystemScope, keyId: string, at: Date): Promise<void> {
    await db.mutate('UPDATE api_key SET last_used_at = $2 WHERE key_id = $1', [keyId, at]);
  },
};
