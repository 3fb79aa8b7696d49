import { z } from 'zod';
import { roles, type ThrottleState } from '@textback/auth';
import { col, type Database, type SystemScope, type TenantScope } from '@textback/persistence';

const Credentials = z.object({
  userId: col.uuid,
  email: col.text,
  displayName: col.text,
  passwordHash: col.text.nullable(),
  totpSealed: col.text.nullable(),
  totpEnabled: col.bool,
});
export type UserCredentials = z.output<typeof Credentials>;

const Throttle = z.object({
  failures: col.int,
  lastFailureAt: col.timestamp.nullable(),
  lockedUntil: col.timestamp.nullable(),
});

const SessionRow = z.object({
  sessionId: col.text,
  userId: col.uuid,
  tenantId: col.tenantId.nullable(),
  secretSha256: z.instanceof(Buffer),
  csrfSha256: z.instanceof(Buffer),
  address: col.text.nullable(),
  userAgent: col.text.nullable(),
  createdAt: col.timestamp,
  lastSeenAt: col.timestamp,
  idleExpiresAt: col.timestamp,
  expiresAt: col.timestamp,
  revokedAt: col.timestamp.nullable(),
  method: z.enum(['password', 'password+totp', 'sso']),
});
export type SessionRow = z.output<typeof SessionRow>;

const Membership = z.object({ tenantId: col.tenantId.nullable(), role: z.enum(roles) });

/**
 * What signing in reads and writes: a person's password hash and second factor, the throttles,
 * the web sessions. Found by email or session id before any tenant is known (system scope).
 */
export const signInRepository = {
  /** A live (not removed) user by email. */
  credentials(db: Database, _scope: SystemScope, email: string) {
    return db.selectFirst(
      Credentials,
      'SELECT * FROM app_user WHERE email = $1 AND removed_at IS NULL',
      [email.toLowerCase()],
    );
  },

  credentialsOf(db: Database, _scope: SystemScope, userId: string) {
    return db.selectFirst(
      Credentials,
      'SELECT * FROM app_user WHERE user_id = $1 AND removed_at IS NULL',
      [userId],
    );
  },

  /**
   * Records a TOTP code's time step as used; false when that step (or a later one) was already
   * used — a code works once.
   */
  async useTotpStep(db: Database, _scope: SystemScope, userId: string, step: number) {
    const used = await db.mutate(
      `UPDATE app_user SET totp_last_step = $2
       WHERE user_id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`,
      [userId, step],
    );
    return used > 0;
  },

  async setPassword(db: Database, _scope: SystemScope, userId: string, hash: string) {
    await db.mutate('UPDATE app_user SET password_hash = $2 WHERE user_id = $1', [userId, hash]);
  },

  async setTotp(
    db: Database,
    _scope: SystemScope,
    userId: string,
    totp: { sealed: string | null; enabled: boolean },
  ) {
    await db.mutate('UPDATE app_user SET totp_sealed = $2, totp_enabled = $3 WHERE user_id = $1', [
      userId,
      totp.sealed,
      totp.enabled,
    ]);
  },

  /** The user's memberships (which tenant a session is for). */
  memberships(db: Database, _scope: SystemScope, userId: string) {
    return db.select(
      Membership,
      'SELECT tenant_id, role FROM membership WHERE user_id = $1 ORDER BY tenant_id NULLS FIRST',
      [userId],
    );
  },

  async throttle(db: Database, _scope: SystemScope, subject: string): Promise<ThrottleState> {
    const row = await db.selectFirst(
      Throttle,
      'SELECT failures, last_failure_at, locked_until FROM sign_in_throttle WHERE subject = $1',
      [subject],
    );
    return row ?? { failures: 0, lastFailureAt: null, lockedUntil: null };
  },

  async saveThrottle(db: Database, _scope: SystemScope, subject: string, s: ThrottleState) {
    await db.mutate(
      `INSERT INTO sign_in_throttle (subject, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subject) DO UPDATE SET failures = EXCLUDED.failures,
         last_failure_at = EXCLUDED.last_failure_at, locked_until = EXCLUDED.locked_until`,
      [subject, s.failures, s.lastFailureAt, s.lockedUntil],
    );
  },

  async clearThrottle(db: Database, _scope: SystemScope, subject: string) {
    await db.mutate('DELETE FROM sign_in_throttle WHERE subject = $1', [subject]);
  },

  /** Lifts an account's lock before its time; who did it is kept. False when it was not locked. */
  async unlock(db: Database, _scope: TenantScope, subject: string, by: string, at: Date) {
    const lifted = await db.mutate(
      `UPDATE sign_in_throttle SET failures = 0, locked_until = NULL, unlocked_by = $2, unlocked_at = $3
       WHERE subject = $1 AND locked_until > $3`,
      [subject, by, at],
    );
    return lifted > 0;
  },

  async insertSession(
    db: Database,
    _scope: SystemScope,
    s: Omit<SessionRow, 'createdAt' | 'lastSeenAt' | 'revokedAt'> & { now: Date },
  ) {
    await db.mutate(
      `INSERT INTO web_session (session_id, user_id, tenant_id, secret_sha256, csrf_sha256, address, user_agent,
         created_at, last_seen_at, idle_expires_at, expires_at, method)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11)`,
      [
        s.sessionId,
        s.userId,
        s.tenantId,
        s.secretSha256,
        s.csrfSha256,
        s.address,
        s.userAgent,
        s.now,
        s.idleExpiresAt,
        s.expiresAt,
        s.method,
      ],
    );
  },

  session(db: Database, _scope: SystemScope, sessionId: string) {
    return db.selectFirst(SessionRow, 'SELECT * FROM web_session WHERE session_id = $1', [
      sessionId,
    ]);
  },

  async touchSession(db: Database, _scope: SystemScope, sessionId: string, at: Date, idle: Date) {
    await db.mutate(
      'UPDATE web_session SET last_seen_at = $2, idle_expires_at = $3 WHERE session_id = $1',
      [sessionId, at, idle],
    );
  },

  /** A person's live sessions, newest first. */
  sessionsOf(db: Database, _scope: SystemScope, userId: string, now: Date) {
    return db.select(
      SessionRow,
      `SELECT * FROM web_session
       WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND idle_expires_at > $2
       ORDER BY created_at DESC`,
      [userId, now],
    );
  },

  /** Revokes one session of the user; false when it has none by that id. */
  async revokeSession(
    db: Database,
    _scope: SystemScope,
    userId: string,
    sessionId: string,
    at: Date,
  ) {
    const revoked = await db.mutate(
      'UPDATE web_session SET revoked_at = COALESCE(revoked_at, $3) WHERE session_id = $1 AND user_id = $2',
      [sessionId, userId, at],
    );
    return revoked > 0;
  },
};
