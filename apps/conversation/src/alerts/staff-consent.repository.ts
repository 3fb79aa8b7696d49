import { z } from 'zod';
import { col, type Sql, type SystemScope } from '@textback/persistence';

/** Staff phones that texted STOP (or START) to the platform's number: a platform fact, no tenant. */
export const staffConsentRepository = {
  async record(
    sql: Sql,
    _scope: SystemScope,
    c: { phone: string; optedOut: boolean; changedAt: string },
  ): Promise<void> {
    await sql.mutate(
      `INSERT INTO staff_text_consent (phone, opted_out, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (phone) DO UPDATE SET opted_out = EXCLUDED.opted_out, changed_at = EXCLUDED.changed_at
       WHERE staff_text_consent.changed_at <= EXCLUDED.changed_at`,
      [c.phone, c.optedOut, c.changedAt],
    );
  },

  /** Whether the phone is a team member's (of any brand) agreed to texts. */
  async isStaffPhone(sql: Sql, _scope: SystemScope, phone: string): Promise<boolean> {
    const row = await sql.selectFirst(
      z.object({ staff: col.bool }),
      'SELECT EXISTS (SELECT 1 FROM team_member WHERE text_phone = $1 AND NOT removed) AS staff',
      [phone],
    );
    return row?.staff === true;
  },
};
