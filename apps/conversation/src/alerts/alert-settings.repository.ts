import { z } from 'zod';
import { BusinessHours } from '@textback/contracts';
import { alertChannels, type AlertChannel } from '@textback/domain';
import { col, type Sql, type TenantScope } from '@textback/persistence';

const SettingRow = z.object({
  channels: z.array(z.enum(alertChannels)),
  timezone: col.text,
  shifts: BusinessHours.nullable(),
});
export type AlertSettingRow = z.output<typeof SettingRow>;

/** How each person wants to be told, and their browsers' push subscriptions. */
export const alertSettingsRepository = {
  of(sql: Sql, scope: TenantScope, userId: string): Promise<AlertSettingRow | undefined> {
    return sql.selectFirst(
      SettingRow,
      'SELECT channels, timezone, shifts FROM alert_setting WHERE tenant_id = $1 AND user_id = $2',
      [scope.tenantId, userId],
    );
  },

  async save(
    sql: Sql,
    scope: TenantScope,
    userId: string,
    s: { channels: readonly AlertChannel[]; timezone: string; shifts: BusinessHours | null },
  ): Promise<void> {
    await sql.mutate(
      `INSERT INTO alert_setting (tenant_id, user_id, channels, timezone, shifts, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET channels = EXCLUDED.channels,
         timezone = EXCLUDED.timezone, shifts = EXCLUDED.shifts, updated_at = now()`,
      [
        scope.tenantId,
        userId,
        [...s.channels],
        s.timezone,
        s.shifts ? JSON.stringify(s.shifts) : null,
      ],
    );
  },

  /** A browser's subscription (its endpoint is unique: a re-subscription moves it to this person). */
  async subscribe(
    sql: Sql,
    scope: TenantScope,
    userId: string,
    p: { endpoint: string; p256dh: string; auth: string },
  ): Promise<void> {
    await sql.mutate(
      `INSERT INTO push_subscription (endpoint, tenant_id, user_id, p256dh, auth) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, user_id = EXCLUDED.user_id,
         p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth`,
      [p.endpoint, scope.tenantId, userId, p.p256dh, p.auth],
    );
  },

  async unsubscribe(sql: Sql, scope: TenantScope, userId: string, endpoint: string) {
    await sql.mutate(
      'DELETE FROM push_subscription WHERE endpoint = $1 AND tenant_id = $2 AND user_id = $3',
      [endpoint, scope.tenantId, userId],
    );
  },

  subscriptions(sql: Sql, scope: TenantScope, userId: string) {
    return sql.select(
      z.object({ endpoint: col.text, p256dh: col.text, auth: col.text }),
      'SELECT endpoint, p256dh, auth FROM push_subscription WHERE tenant_id = $1 AND user_id = $2',
      [scope.tenantId, userId],
    );
  },

  /** The push service said the subscription is gone (404/410): it is never used again. */
  async forget(sql: Sql, scope: TenantScope, endpoint: string): Promise<void> {
    await sql.mutate('DELETE FROM push_subscription WHERE endpoint = $1 AND tenant_id = $2', [
      endpoint,
      scope.tenantId,
    ]);
  },
};
