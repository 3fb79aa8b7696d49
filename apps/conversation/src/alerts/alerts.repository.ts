import { z } from 'zod';
import { BusinessHours } from '@textback/contracts';
import { alertChannels, type AlertMember } from '@textback/domain';
import { col, type Sql, type SystemScope, type TenantScope } from '@textback/persistence';

const MemberRow = z.object({
  userId: col.uuid,
  role: col.text,
  locationIds: z.array(col.text).nullable(),
  email: col.text.nullable(),
  textPhone: col.text.nullable(),
  pushSubscriptions: col.bigint,
  channels: z.array(z.enum(alertChannels)).nullable(),
  timezone: col.text.nullable(),
  shifts: BusinessHours.nullable(),
});

const DueEscalation = z.object({
  threadId: col.uuid,
  tenantId: col.tenantId,
  locationId: col.locationId,
  tier: col.int,
  /** Its next tier is due (else only a new message to tell the current tier of). */
  due: col.bool,
  nextAt: col.timestamp,
  assignedTo: col.text.nullable(),
  urgent: col.bool,
  waiting: col.bool,
  waitingSince: col.timestamp.nullable(),
  customerName: col.text.nullable(),
  customerNumber: col.e164,
  lastCustomerText: col.text.nullable(),
});
export type DueEscalation = z.output<typeof DueEscalation>;

const DueAlert = z.object({
  alertId: col.uuid,
  tenantId: col.tenantId,
  threadId: col.uuid,
  userId: col.uuid,
  channel: z.enum(alertChannels),
  title: col.text,
  body: col.text,
  attempts: col.int,
  email: col.text.nullable(),
  textPhone: col.e164.nullable(),
});
export type DueAlert = z.output<typeof DueAlert>;

export interface NewAlert {
  alertId: string;
  threadId: string;
  locationId: string;
  tier: number;
  userId: string;
  channel: string;
  urgent: boolean;
  title: string;
  body: string;
}

/** Alerts to staff while a customer waits, and each waiting thread's escalation. */
export const alertsRepository = {
  /**
   * A thread starts waiting: its escalation begins (nobody told yet); a wait under way goes on,
   * and the people of its tier are told of the new message.
   */
  async startWaiting(
    tx: Sql,
    scope: TenantScope,
    t: { threadId: string; locationId: string; at: Date },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO thread_escalation (thread_id, tenant_id, location_id, tier, next_at)
       VALUES ($1, $2, $3, -1, $4)
       ON CONFLICT (thread_id) DO UPDATE SET news = thread_escalation.tier >= 0`,
      [t.threadId, scope.tenantId, t.locationId, t.at],
    );
  },

  /** A person answered (or closed it): nobody else needs telling. */
  async endWaiting(tx: Sql, scope: TenantScope, threadId: string): Promise<void> {
    await tx.mutate('DELETE FROM thread_escalation WHERE thread_id = $1 AND tenant_id = $2', [
      threadId,
      scope.tenantId,
    ]);
  },

  /** Escalations whose next step is due, locked for this worker, with what the alert says. */
  dueEscalations(tx: Sql, _scope: SystemScope, now: Date, limit: number): Promise<DueEscalation[]> {
    return tx.select(
      DueEscalation,
      `SELECT e.thread_id, e.tenant_id, e.location_id, e.tier, e.next_at <= $1 AS due, e.next_at, t.assigned_to, t.urgent,
              (t.waiting_since IS NOT NULL AND t.status = 'open') AS waiting, t.waiting_since,
              t.customer_name, t.customer_number,
              (SELECT body FROM thread_message m WHERE m.thread_id = t.thread_id AND m.direction = 'inbound'
                ORDER BY at DESC LIMIT 1) AS last_customer_text
       FROM thread_escalation e JOIN thread t USING (thread_id)
       WHERE e.next_at <= $1 OR e.news ORDER BY e.next_at LIMIT $2 FOR UPDATE OF e SKIP LOCKED`,
      [now, limit],
    );
  },

  async advance(tx: Sql, _scope: SystemScope, threadId: string, tier: number, nextAt: Date) {
    await tx.mutate(
      'UPDATE thread_escalation SET tier = $2, next_at = $3, news = false WHERE thread_id = $1',
      [threadId, tier, nextAt],
    );
  },

  /** Each step of an escalation, as it happened: the tier, and how many people and alerts. */
  async recordStep(
    tx: Sql,
    scope: TenantScope,
    s: { threadId: string; tier: number; people: number; alerts: number; at: Date },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO escalation_step (thread_id, tenant_id, tier, people, alerts, at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [s.threadId, scope.tenantId, s.tier, s.people, s.alerts, s.at],
    );
  },

  steps(sql: Sql, scope: TenantScope, threadId: string) {
    return sql.select(
      z.object({ tier: col.int, people: col.int, alerts: col.int, at: col.timestamp }),
      'SELECT tier, people, alerts, at FROM escalation_step WHERE thread_id = $1 AND tenant_id = $2 ORDER BY at, tier',
      [threadId, scope.tenantId],
    );
  },

  async end(tx: Sql, _scope: SystemScope, threadId: string): Promise<void> {
    await tx.mutate('DELETE FROM thread_escalation WHERE thread_id = $1', [threadId]);
  },

  /** The brand's team as alerts need it: contacts, push subscriptions, settings. */
  async members(sql: Sql, scope: TenantScope): Promise<AlertMember[]> {
    const rows = await sql.select(
      MemberRow,
      `SELECT m.user_id, m.role, m.location_ids, m.email,
              CASE WHEN coalesce(sc.opted_out, false) THEN NULL ELSE m.text_phone END AS text_phone,
              (SELECT count(*) FROM push_subscription p WHERE p.tenant_id = m.tenant_id AND p.user_id = m.user_id) AS push_subscriptions,
              s.channels, s.timezone, s.shifts
       FROM team_member m LEFT JOIN alert_setting s USING (tenant_id, user_id)
       LEFT JOIN staff_text_consent sc ON sc.phone = m.text_phone
       WHERE m.tenant_id = $1 AND NOT m.removed AND m.role <> 'analyst'`,
      [scope.tenantId],
    );
    return rows.map((r) => ({
      userId: r.userId,
      role: r.role,
      locationIds: r.locationIds,
      email: r.email,
      textPhone: r.textPhone,
      pushSubscriptions: r.pushSubscriptions,
      setting:
        r.channels && r.timezone
          ? { channels: r.channels, timezone: r.timezone, shifts: r.shifts }
          : undefined,
    }));
  },

  async queue(tx: Sql, scope: TenantScope, alerts: readonly NewAlert[], now: Date): Promise<void> {
    if (alerts.length === 0) return;
    await tx.mutate(
      `INSERT INTO inbox_alert (alert_id, tenant_id, location_id, thread_id, tier, user_id, channel, urgent, title, body, due_at, created_at)
       SELECT a, $1, l, t, r, u, c, g, ti, b, $2, $2
       FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::int[], $7::uuid[], $8::text[], $9::boolean[], $10::text[], $11::text[])
         AS x(a, l, t, r, u, c, g, ti, b)`,
      [
        scope.tenantId,
        now,
        alerts.map((a) => a.alertId),
        alerts.map((a) => a.locationId),
        alerts.map((a) => a.threadId),
        alerts.map((a) => a.tier),
        alerts.map((a) => a.userId),
        alerts.map((a) => a.channel),
        alerts.map((a) => a.urgent),
        alerts.map((a) => a.title),
        alerts.map((a) => a.body),
      ],
    );
  },

  /**
   * Alerts due now, leased to this worker for `leaseMs` (a crash hands them to the next pass),
   * with where each person is reached.
   */
  claimDue(tx: Sql, _scope: SystemScope, now: Date, leaseMs: number, limit: number) {
    return tx.select(
      DueAlert,
      `WITH due AS (
         SELECT alert_id FROM inbox_alert WHERE status = 'pending' AND due_at <= $1
         ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE inbox_alert a SET attempts = attempts + 1, due_at = $1 + $2 * interval '1 millisecond'
       FROM due, team_member m
       WHERE a.alert_id = due.alert_id AND m.tenant_id = a.tenant_id AND m.user_id = a.user_id
       RETURNING a.alert_id, a.tenant_id, a.thread_id, a.user_id, a.channel, a.title, a.body, a.attempts, m.email,
         CASE WHEN (SELECT opted_out FROM staff_text_consent s WHERE s.phone = m.text_phone) THEN NULL ELSE m.text_phone END AS text_phone`,
      [now, leaseMs, limit],
    );
  },

  async settle(
    sql: Sql,
    _scope: SystemScope,
    alertId: string,
    outcome: { status: 'sent' | 'failed' | 'pending'; at: Date; error?: string; retryAt?: Date },
  ): Promise<void> {
    await sql.mutate(
      `UPDATE inbox_alert SET status = $2, last_error = $3,
         sent_at = CASE WHEN $2 = 'sent' THEN $4::timestamptz END, due_at = coalesce($5::timestamptz, due_at)
       WHERE alert_id = $1`,
      [alertId, outcome.status, outcome.error ?? null, outcome.at, outcome.retryAt ?? null],
    );
  },
};
