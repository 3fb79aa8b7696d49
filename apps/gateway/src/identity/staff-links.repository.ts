import { z } from 'zod';
import { col, type Sql, type SystemScope } from '@textback/persistence';

const Contact = z.object({ email: col.text, phone: col.e164.nullable(), consented: col.bool });

/** People's phones for sign-in texts and their consent to get them (users are global). */
export const staffLinksRepository = {
  /** Sets the person's phone; consent is recorded with it, or cleared when the number changes. */
  async setPhone(
    db: Sql,
    _scope: SystemScope,
    p: { userId: string; phone: string | null; consentBy: string | null; at: Date },
  ): Promise<void> {
    await db.mutate(
      `UPDATE app_user SET phone = $2,
         text_consent_at = CASE WHEN $3::text IS NOT NULL THEN $4
                                WHEN phone IS NOT DISTINCT FROM $2 THEN text_consent_at END,
         text_consent_by = CASE WHEN $3::text IS NOT NULL THEN $3
                                WHEN phone IS NOT DISTINCT FROM $2 THEN text_consent_by END
       WHERE user_id = $1`,
      [p.userId, p.phone, p.consentBy, p.at],
    );
  },

  /** Where sign-in links may go: the e-mail, and the phone with whether texts were agreed to. */
  contact(db: Sql, _scope: SystemScope, userId: string) {
    return db.selectFirst(
      Contact,
      `SELECT email, phone, text_consent_at IS NOT NULL AS consented FROM app_user WHERE user_id = $1`,
      [userId],
    );
  },

  async brandName(db: Sql, _scope: SystemScope, tenantId: string) {
    const row = await db.selectFirst(
      z.object({ brandName: col.text.nullable() }),
      `SELECT settings->>'brandName' AS brand_name FROM tenant WHERE tenant_id = $1`,
      [tenantId],
    );
    return row?.brandName ?? undefined;
  },
};
