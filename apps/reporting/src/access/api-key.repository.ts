import { z } from 'zod';
import { col, type Database, type SystemScope, type TenantScope } from '@textback/persistence';

const ApiKeyRow = z.object({
  keyId: col.text,
  tenantId: col.tenantId,
  name: col.text,
  secretSha256: z.instanceof(Buffer),
  createdAt: col.timestamp,
  lastUsedAt: col.timestamp.nullable(),
  revokedAt: col.timestamp.nullable(),
});
export type ApiKeyRow = z.output<typeof ApiKeyRow>;

/** Analyst API keys: only the SHA-256 of each secret is stored. */
export const apiKeyRepository = {
  insert(
    db: Database,
    scope: TenantScope,
    k: { keyId: string; name: string; secretSha256: Buffer },
  ): Promise<ApiKeyRow> {
    return db.selectOne(
      ApiKeyRow,
      'INSERT INTO api_key (key_id, tenant_id, name, secret_sha256) VALUES ($1, $2, $3, $4) RETURNING *',
      [k.keyId, scope.tenantId, k.name, k.secretSha256],
    );
  },

  list(db: Database, scope: TenantScope): Promise<ApiKeyRow[]> {
    return db.select(ApiKeyRow, 'SELECT * FROM api_key WHERE tenant_id = $1 ORDER BY created_at', [
      scope.tenantId,
    ]);
  },

  /** False when the tenant has no such key. */
  async revoke(db: Database, scope: TenantScope, keyId: string): Promise<boolean> {
    const updated = await db.mutate(
      'UPDATE api_key SET revoked_at = COALESCE(revoked_at, now()) WHERE key_id = $1 AND tenant_id = $2',
      [keyId, scope.tenantId],
    );
    return updated > 0;
  },

  /** A presented key is found by its id before its tenant is known: the key decides the tenant. */
  activeById(db: Database, _scope: SystemScope, keyId: string): Promise<ApiKeyRow | undefined> {
    return db.selectFirst(
      ApiKeyRow,
      'SELECT * FROM api_key WHERE key_id = $1 AND revoked_at IS NULL',
      [keyId],
    );
  },

  async touch(db: Database, _scope: SystemScope, keyId: string): Promise<void> {
    await db.mutate('UPDATE api_key SET last_used_at = now() WHERE key_id = $1', [keyId]);
  },
};
