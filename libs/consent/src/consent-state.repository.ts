import { z } from 'zod';
import type { E164, PayloadOf } from '@textback/contracts';
import { type Database, type TenantScope } from '@textback/persistence';

const StateRow = z.object({ state: z.enum(['opted-in', 'opted-out']) });

/** A service's copy of consent (the `consent_state` table): the latest change per tenant and number. */
export const consentStateRepository = {
  /** The latest change covering `phoneNumber` from `channelNumber`: brand-wide ('') or for that number. */
  async latest(
    db: Database,
    scope: TenantScope,
    phoneNumber: E164,
    channelNumber: E164 | '',
  ): Promise<'opted-in' | 'opted-out' | undefined> {
    const row = await db.selectFirst(
      StateRow,
      `SELECT state FROM consent_state WHERE tenant_id = $1 AND phone_number = $2 AND channel_number IN ('', $3)
       ORDER BY changed_at DESC LIMIT 1`,
      [scope.tenantId, phoneNumber, channelNumber],
    );
    return row?.state;
  },

  /** Keeps a change unless a later one is already stored (events may arrive out of order). */
  async keepLatest(
    db: Database,
    scope: TenantScope,
    change: PayloadOf<'consent.changed.v1'>,
  ): Promise<void> {
    const channel = change.scope === 'number' ? (change.channelNumber ?? '') : '';
    await db.mutate(
      `INSERT INTO consent_state (tenant_id, phone_number, channel_number, state, changed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, phone_number, channel_number) DO UPDATE SET state = EXCLUDED.state, changed_at = EXCLUDED.changed_at
       WHERE consent_state.changed_at <= EXCLUDED.changed_at`,
      [scope.tenantId, change.phoneNumber, channel, change.state, change.changedAt],
    );
  },
};
