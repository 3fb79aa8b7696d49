import { z } from 'zod';
import { col, type Database, type SystemScope } from '@textback/persistence';

const ResetRow = z.object({
  resetId: col.text,
  userId: col.uuid,
  secretSha256: z.instanceof(Buffer),
  expiresAt: col.timestamp,
  usedAt: col.timestamp.nullable(),
});

/** Password reset links, found by id when presented (before anything else is known). */
export const passwordResetRepository = {
  async insert(
    db: Database,
    _scope: SystemScope,
    r: {
      resetId: string;
      userId: string;
      secretSha256: Buffer;
      createdBy: string;
      expiresAt: Date;
    },
  ): Promise<void> {
    await db.mutate(
      `INSERT INTO password_reset (reset_id, user_id, secret_sha256, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [r.resetId, r.userId, r.secretSha256, r.createdBy, r.expiresAt],
    );
  },

  reset(db: Database, _scope: SystemScope, resetId: string) {
    return db.selectFirst(ResetRow, 'SELECT * FROM password_reset WHERE reset_id = $1', [resetId]);
  },

  /** True for the one request that uses it. */
  async use(db: Database, _scope: SystemScope, resetId: string, at: Date): Promise<boolean> {
    const used = await db.mutate(
      'UPDATE password_reset SET used_at = $2 WHERE reset_id = $1 AND used_at IS NULL',
      [resetId, at],
    );
    return used > 0;
  },

  /** Ends every session of the person (after a reset, whoever knew the old password is out). */
  async endSessions(db: Database, _scope: SystemScope, userId: string, at: Date): Promise<void> {
    await db.mutate(
      'UPDATE web_session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL',
      [userId, at],
    );
  },
};
