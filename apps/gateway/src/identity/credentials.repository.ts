import { z } from 'zod';
import { partnerScopeNames } from '@textback/auth';
import {
  col,
  type Database,
  type Sql,
  type SystemScope,
  type TenantScope,
} from '@textback/persistence';

const RefreshTokenRow = z.object({
  tokenId: col.text,
  userId: col.uuid,
  tenantId: col.tenantId.nullable(),
  secretSha256: z.instanceof(Buffer),
  expiresAt: col.timestamp,
  lastUsedAt: col.timestamp.nullable(),
  revokedAt: col.timestamp.nullable(),
});
export type RefreshTokenRow = z.output<typeof RefreshTokenRow>;

const InvitationRow = z.object({
  invitationId: col.text,
  userId: col.uuid,
  tenantId: col.tenantId.nullable(),
  secretSha256: z.instanceof(Buffer),
  expiresAt: col.timestamp,
  acceptedAt: col.timestamp.nullable(),
});

const ClientRow = z.object({
  clientId: col.text,
  name: col.text,
  secretSha256: z.instanceof(Buffer),
  scopes: z.array(z.enum(partnerScopeNames)),
  createdBy: col.text,
  createdAt: col.timestamp,
  lastUsedAt: col.timestamp.nullable(),
  revokedAt: col.timestamp.nullable(),
});
export type ClientRow = z.output<typeof ClientRow>;

const GrantRow = z.object({
  clientId: col.text,
  tenantId: col.tenantId,
  scopes: z.array(z.enum(partnerScopeNames)),
  locationIds: z.array(col.locationId).nullable(),
  grantedBy: col.text,
  grantedAt: col.timestamp,
  revokedAt: col.timestamp.nullable(),
});
export type GrantRow = z.output<typeof GrantRow>;

/**
 * Refresh tokens and invitations of users, partner clients and the grants tenants give them.
 * Secrets are stored as SHA-256 only; presented credentials are found by id across tenants (the
 * credential decides its tenant), hence the system scope on those reads.
 */
export const credentialsRepository = {
  async insertRefreshToken(
    db: Database,
    _scope: SystemScope,
    t: {
      tokenId: string;
      userId: string;
      tenantId: string | null;
      secretSha256: Buffer;
      expiresAt: Date;
    },
  ): Promise<void> {
    await db.mutate(
      `INSERT INTO refresh_token (token_id, user_id, tenant_id, secret_sha256, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [t.tokenId, t.userId, t.tenantId, t.secretSha256, t.expiresAt],
    );
  },

  refreshToken(db: Database, _scope: SystemScope, tokenId: string) {
    return db.selectFirst(RefreshTokenRow, 'SELECT * FROM refresh_token WHERE token_id = $1', [
      tokenId,
    ]);
  },

  async touchRefreshToken(db: Database, _scope: SystemScope, tokenId: string, at: Date) {
    await db.mutate('UPDATE refresh_token SET last_used_at = $2 WHERE token_id = $1', [
      tokenId,
      at,
    ]);
  },

  async revokeRefreshToken(db: Database, _scope: SystemScope, tokenId: string, at: Date) {
    await db.mutate(
      'UPDATE refresh_token SET revoked_at = COALESCE(revoked_at, $2) WHERE token_id = $1',
      [tokenId, at],
    );
  },

  /** A removed member's refresh tokens for that tenant stop working at once. */
  async revokeRefreshTokensOf(db: Sql, scope: TenantScope, userId: string, at: Date) {
    await db.mutate(
      `UPDATE refresh_token SET revoked_at = $3 WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [scope.tenantId, userId, at],
    );
  },

  async insertInvitation(
    db: Database,
    _scope: SystemScope,
    i: {
      invitationId: string;
      userId: string;
      tenantId: string | null;
      secretSha256: Buffer;
      createdBy: string;
      expiresAt: Date;
    },
  ): Promise<void> {
    await db.mutate(
      `INSERT INTO invitation (invitation_id, user_id, tenant_id, secret_sha256, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [i.invitationId, i.userId, i.tenantId, i.secretSha256, i.createdBy, i.expiresAt],
    );
  },

  invitation(db: Database, _scope: SystemScope, invitationId: string) {
    return db.selectFirst(InvitationRow, 'SELECT * FROM invitation WHERE invitation_id = $1', [
      invitationId,
    ]);
  },

  /** True for the one request that accepts it (an invitation works once). */
  async acceptInvitation(db: Database, _scope: SystemScope, invitationId: string, at: Date) {
    const accepted = await db.mutate(
      'UPDATE invitation SET accepted_at = $2 WHERE invitation_id = $1 AND accepted_at IS NULL',
      [invitationId, at],
    );
    return accepted > 0;
  },

  insertClient(
    db: Database,
    _scope: SystemScope,
    c: {
      clientId: string;
      name: string;
      secretSha256: Buffer;
      scopes: readonly string[];
      createdBy: string;
    },
  ): Promise<ClientRow> {
    return db.selectOne(
      ClientRow,
      `INSERT INTO partner_client (client_id, name, secret_sha256, scopes, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [c.clientId, c.name, c.secretSha256, c.scopes, c.createdBy],
    );
  },

  clients(db: Database, _scope: SystemScope): Promise<ClientRow[]> {
    return db.select(ClientRow, 'SELECT * FROM partner_client ORDER BY created_at');
  },

  client(db: Database, _scope: SystemScope, clientId: string) {
    return db.selectFirst(ClientRow, 'SELECT * FROM partner_client WHERE client_id = $1', [
      clientId,
    ]);
  },

  async touchClient(db: Database, _scope: SystemScope, clientId: string, at: Date) {
    await db.mutate('UPDATE partner_client SET last_used_at = $2 WHERE client_id = $1', [
      clientId,
      at,
    ]);
  },

  /** Revokes a client everywhere: its grants stop working at its next call. */
  async revokeClient(db: Database, _scope: SystemScope, clientId: string, at: Date) {
    return (
      (await db.mutate(
        'UPDATE partner_client SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL',
        [clientId, at],
      )) > 0
    );
  },

  /** Grants (or re-grants) the client access to the tenant. */
  grant(
    db: Database,
    scope: TenantScope,
    g: {
      clientId: string;
      scopes: readonly string[];
      locationIds: readonly string[] | null;
      grantedBy: string;
    },
  ): Promise<GrantRow> {
    return db.selectOne(
      GrantRow,
      `INSERT INTO partner_grant (client_id, tenant_id, scopes, location_ids, granted_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (client_id, tenant_id) DO UPDATE SET scopes = EXCLUDED.scopes, location_ids = EXCLUDED.location_ids,
         granted_by = EXCLUDED.granted_by, granted_at = now(), revoked_at = NULL
       RETURNING *`,
      [g.clientId, scope.tenantId, g.scopes, g.locationIds, g.grantedBy],
    );
  },

  /** The tenant's grants, with each client's name (what the brand's admins recognise). */
  grants(db: Database, scope: TenantScope) {
    return db.select(
      GrantRow.extend({ clientName: col.text }),
      `SELECT g.*, c.name AS client_name FROM partner_grant g JOIN partner_client c USING (client_id)
       WHERE g.tenant_id = $1 ORDER BY g.granted_at`,
      [scope.tenantId],
    );
  },

  /** The client's live grants (which tenants it may ask a token for). */
  grantsOf(db: Database, _scope: SystemScope, clientId: string): Promise<GrantRow[]> {
    return db.select(
      GrantRow,
      'SELECT * FROM partner_grant WHERE client_id = $1 AND revoked_at IS NULL ORDER BY tenant_id',
      [clientId],
    );
  },

  /** The tenant's live grant to a live client (the partner API checks it on every call). */
  async liveGrant(
    db: Database,
    scope: TenantScope,
    clientId: string,
  ): Promise<GrantRow | undefined> {
    const rows = await db.select(
      GrantRow,
      `SELECT g.* FROM partner_grant g JOIN partner_client c USING (client_id)
       WHERE g.tenant_id = $1 AND g.client_id = $2 AND g.revoked_at IS NULL AND c.revoked_at IS NULL`,
      [scope.tenantId, clientId],
    );
    return rows[0];
  },

  async revokeGrant(db: Database, scope: TenantScope, clientId: string, at: Date) {
    const revoked = await db.mutate(
      `UPDATE partner_grant SET revoked_at = $3 WHERE tenant_id = $1 AND client_id = $2 AND revoked_at IS NULL`,
      [scope.tenantId, clientId, at],
    );
    return revoked > 0;
  },
};
