import { z } from 'zod';
import { roles } from '@textback/auth';
import {
  col,
  type Database,
  type Sql,
  type SystemScope,
  type TenantScope,
} from '@textback/persistence';

const RoleMappingRow = z.object({
  group: z.string(),
  role: z.enum(roles).exclude(['platform-admin']),
  locationIds: z.array(col.locationId).readonly().optional(),
  groupId: z.string().optional(),
});

const SettingsRow = z.object({
  tenantId: col.tenantId,
  requireSso: col.bool,
  requireSecondFactor: col.bool,
  ssoIssuer: col.text.nullable(),
  ssoClientId: col.text.nullable(),
  ssoClientSecretSealed: col.text.nullable(),
  ssoGroupsClaim: col.text,
  ssoRoleMappings: z.array(RoleMappingRow),
  updatedBy: col.text,
  updatedAt: col.timestamp,
});
export type SignInSettingsRow = z.output<typeof SettingsRow>;

const AttemptRow = z.object({
  tenantId: col.tenantId,
  codeVerifier: col.text,
  nonce: col.text,
  redirectUri: col.text,
  returnTo: col.text,
  expiresAt: col.timestamp,
});
export type SsoAttemptRow = z.output<typeof AttemptRow>;

/** A tenant's sign-in settings, people's links to their identity provider, sign-ins under way. */
export const ssoRepository = {
  settings(db: Database, scope: TenantScope): Promise<SignInSettingsRow | undefined> {
    return db.selectFirst(SettingsRow, 'SELECT * FROM tenant_sign_in WHERE tenant_id = $1', [
      scope.tenantId,
    ]);
  },

  async saveSettings(
    db: Database,
    scope: TenantScope,
    s: Omit<SignInSettingsRow, 'tenantId'>,
  ): Promise<void> {
    await db.mutate(
      `INSERT INTO tenant_sign_in (tenant_id, require_sso, require_second_factor, sso_issuer, sso_client_id,
         sso_client_secret_sealed, sso_groups_claim, sso_role_mappings, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id) DO UPDATE SET require_sso = $2, require_second_factor = $3, sso_issuer = $4,
         sso_client_id = $5, sso_client_secret_sealed = $6, sso_groups_claim = $7, sso_role_mappings = $8,
         updated_by = $9, updated_at = $10`,
      [
        scope.tenantId,
        s.requireSso,
        s.requireSecondFactor,
        s.ssoIssuer,
        s.ssoClientId,
        s.ssoClientSecretSealed,
        s.ssoGroupsClaim,
        JSON.stringify(s.ssoRoleMappings),
        s.updatedBy,
        s.updatedAt,
      ],
    );
  },

  async insertAttempt(
    db: Database,
    _scope: SystemScope,
    a: SsoAttemptRow & { stateSha256: Buffer },
  ): Promise<void> {
    await db.mutate(
      `INSERT INTO sso_attempt (state_sha256, tenant_id, code_verifier, nonce, redirect_uri, return_to, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [a.stateSha256, a.tenantId, a.codeVerifier, a.nonce, a.redirectUri, a.returnTo, a.expiresAt],
    );
  },

  /** The attempt a state names, taken (deleted) so its code is exchanged once at most. */
  takeAttempt(db: Database, _scope: SystemScope, stateSha256: Buffer, now: Date) {
    return db.selectFirst(
      AttemptRow,
      'DELETE FROM sso_attempt WHERE state_sha256 = $1 AND expires_at > $2 RETURNING *',
      [stateSha256, now],
    );
  },

  async purgeAttempts(db: Database, _scope: SystemScope, now: Date): Promise<void> {
    await db.mutate('DELETE FROM sso_attempt WHERE expires_at <= $1', [now]);
  },

  linkedUser(db: Sql, scope: TenantScope, issuer: string, subject: string) {
    return db.selectFirst(
      z.object({ userId: col.uuid }),
      `SELECT i.user_id FROM sso_identity i JOIN app_user u USING (user_id)
       WHERE i.tenant_id = $1 AND i.issuer = $2 AND i.subject = $3 AND u.removed_at IS NULL`,
      [scope.tenantId, issuer, subject],
    );
  },

  async link(
    db: Sql,
    scope: TenantScope,
    l: { issuer: string; subject: string; userId: string; at: Date },
  ): Promise<void> {
    await db.mutate(
      `INSERT INTO sso_identity (tenant_id, issuer, subject, user_id, linked_at, last_sign_in_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (tenant_id, issuer, subject) DO UPDATE SET last_sign_in_at = $5`,
      [scope.tenantId, l.issuer, l.subject, l.userId, l.at],
    );
  },

  /** The tenants other than this one where the person has a membership (or the platform: null). */
  async otherMemberships(db: Sql, scope: TenantScope, userId: string): Promise<(string | null)[]> {
    const rows = await db.select(
      z.object({ tenantId: col.text.nullable() }),
      'SELECT tenant_id FROM membership WHERE user_id = $1 AND tenant_id IS DISTINCT FROM $2',
      [userId, scope.tenantId],
    );
    return rows.map((r) => r.tenantId);
  },

  /** Sets the person's membership to what the identity provider's groups map to. */
  async setManagedMembership(
    db: Sql,
    scope: TenantScope,
    m: {
      userId: string;
      role: (typeof roles)[number];
      locationIds: readonly string[] | null;
      groupId: string | null;
    },
  ): Promise<void> {
    await db.mutate(
      `INSERT INTO membership (user_id, tenant_id, role, location_ids, group_id, created_by, managed_by_sso)
       VALUES ($1, $2, $3, $4, $5, 'sso', true)
       ON CONFLICT (user_id, COALESCE(tenant_id, '*'))
       DO UPDATE SET role = $3, location_ids = $4, group_id = $5, managed_by_sso = true`,
      [m.userId, scope.tenantId, m.role, m.locationIds, m.groupId],
    );
  },

  /** Ends the person's sessions for the tenant (their refresh tokens go with the membership). */
  async revokeSessions(db: Sql, scope: TenantScope, userId: string, at: Date): Promise<void> {
    await db.mutate(
      `UPDATE web_session SET revoked_at = $3
       WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [scope.tenantId, userId, at],
    );
  },
};
