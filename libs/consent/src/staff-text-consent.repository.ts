import { z } from 'zod';
import { col, type Sql, type SystemScope } from '@textback/persistence';

/**
 * A service's copy of staff phones that texted STOP (or START) to the platform's own number
 * (the `staff_text_consent` table): a platform fact, no tenant. Conversation records it as it
 * arrives; sms-dispatch keeps it from `staff-consent.changed.v1` and checks it before each staff text.
 */
export const staffTextConsentRepository = {
  /** Keeps the newest change per phone; an older one (redelivered late) changes nothing. */
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

  async stopped(sql: Sql, phone: string): Promise<boolean> {
    const row = await sql.selectFirst(
      z.object({ optedOut: col.bool }),
      'SELECT opted_out FROM staff_text_consent WHERE phone = $1',
      [phone],
    );
    return row?.optedOut === true;
  },
};
