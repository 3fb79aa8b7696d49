import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { alertTargets, alertText, escalationTiers, nextTier, tierMembers } from '@textback/domain';
import {
  addToOutbox,
  systemScope,
  tenantScope,
  type SystemScope,
  type Tx,
} from '@textback/persistence';
import type { Counter } from 'prom-client';
import {
  counterOf,
  every,
  RUNTIME,
  type PeriodicTask,
  type ServiceRuntime,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ConversationConfig } from '../config';
import { AlertChannels, type AlertMessage } from './alert-channels';
import { alertsRepository as alerts, type DueAlert, type DueEscalation } from './alerts.repository';

const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 5;

/**
 * While a customer waits for a person: the thread's assignee (else the location's team) is told
 * at once, then — each time the location's first-reply target passes without a human reply —
 * the next tier (its managers, then the brand's on-call). Every step is recorded; a reply or a
 * close ends it. Alerts go out by text (from the platform's number, through sms-dispatch), Web
 * Push and e-mail, as each person chose; time is the runtime clock's.
 */
@Injectable()
export class AlertWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private task: PeriodicTask | undefined;
  /** Escalations and alerts of every tenant are due in one queue. */
  private readonly everyTenant: SystemScope;
  /** Alerts by channel and outcome (never a person, a number or a tenant). */
  private readonly alertsTotal: Counter<'channel' | 'outcome'>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly channels: AlertChannels,
  ) {
    this.everyTenant = systemScope('conversation: staff alerts and escalations', runtime.logger);
    this.alertsTotal = counterOf(
      runtime.registry,
      'conversation_staff_alerts_total',
      'Staff alerts by channel (sms, push, email) and outcome (sent, retried, failed)',
      ['channel', 'outcome'],
    );
  }

  onApplicationBootstrap(): void {
    this.task = every(this.runtime, 'inbox-alerts', this.runtime.config.ALERT_POLL_MS, () =>
      this.pass(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.task?.stop();
  }

  /** One pass: the escalations that are due, then the alerts that are due. */
  async pass(): Promise<void> {
    await this.runtime.transaction(async (tx) => {
      const now = this.runtime.clock.now();
      for (const e of await alerts.dueEscalations(tx, this.everyTenant, now, 50))
        await this.escalate(tx, e, now);
    });
    const now = this.runtime.clock.now();
    const due = await this.runtime.transaction((tx) =>
      alerts.claimDue(tx, this.everyTenant, now, LEASE_MS, 50),
    );
    for (const alert of due) await this.deliver(alert);
  }

  private async escalate(tx: Tx, e: DueEscalation, now: Date): Promise<void> {
    if (!e.waiting) return alerts.end(tx, this.everyTenant, e.threadId);
    const scope = tenantScope(e.tenantId, [e.locationId]);
    const team = await alerts.members(tx, scope);
    const thread = { locationId: e.locationId, assignedTo: e.assignedTo };
    // Not due for the next tier: a new message, told to the tier already alerted.
    const tier = e.due ? nextTier(e.tier, team, thread) : e.tier;
    if (tier === undefined) {
      this.runtime.logger.info({ tier: e.tier }, 'escalation ended: nobody left to tell');
      return alerts.end(tx, this.everyTenant, e.threadId);
    }
    const location = this.directory.location(e.locationId);
    // A new message goes to everyone told so far; an escalation to its tier.
    const members = e.due
      ? tierMembers(tier, team, thread)
      : [
          ...new Map(
            Array.from({ length: tier + 1 }, (_, i) => tierMembers(i, team, thread))
              .flat()
              .map((m) => [m.userId, m]),
          ).values(),
        ];
    const targets = alertTargets(members, e.urgent, now);
    const waited = e.waitingSince ? (now.getTime() - e.waitingSince.getTime()) / 60_000 : 0;
    const text = alertText({
      urgent: e.urgent,
      tier,
      locationName: location?.locationName ?? e.locationId,
      // Not the number: conversations stay in the inbox, not on personal phones.
      customer: e.customerName ?? `A customer (…${e.customerNumber.slice(-4)})`,
      message: e.lastCustomerText ?? '',
      waitedMinutes: Math.floor(waited),
    });
    await alerts.queue(
      tx,
      scope,
      targets.map((t) => ({
        alertId: randomUUID(),
        threadId: e.threadId,
        locationId: e.locationId,
        tier,
        userId: t.userId,
        channel: t.channel,
        urgent: e.urgent,
        ...text,
      })),
      now,
    );
    if (e.due)
      await alerts.recordStep(tx, scope, {
        threadId: e.threadId,
        tier,
        people: members.length,
        alerts: targets.length,
        at: now,
      });
    this.runtime.logger.info(
      { tier: escalationTiers[tier], people: members.length, alerts: targets.length },
      'customer waiting: staff alerted',
    );
    const targetMinutes = location?.firstReplyTargetMinutes ?? 5;
    const nextAt = e.due ? new Date(now.getTime() + targetMinutes * 60_000) : e.nextAt;
    await alerts.advance(tx, this.everyTenant, e.threadId, tier, nextAt);
  }

  private async deliver(a: DueAlert): Promise<void> {
    const now = this.runtime.clock.now();
    const scope = tenantScope(a.tenantId);
    const message: AlertMessage = {
      title: a.title,
      body: a.body,
      link: this.inboxLink(a),
      urgent: a.title.startsWith('URGENT'),
    };
    try {
      if (a.channel === 'sms') {
        const to = a.textPhone;
        if (!to) return this.fail(a, 'no phone agreed to texts');
        // Sent by sms-dispatch from the platform's number, once per alert id.
        return await this.runtime.transaction(async (tx) => {
          await addToOutbox(tx, 'staff-text.requested.v1', {
            textId: a.alertId,
            tenantId: a.tenantId,
            userId: a.userId,
            to,
            text: `${a.title}: ${a.body} ${message.link}`.slice(0, 480),
            kind: 'inbox-alert',
            requestedAt: now.toISOString(),
          });
          await alerts.settle(tx, this.everyTenant, a.alertId, { status: 'sent', at: now });
          tx.afterCommit(() => this.alertsTotal.inc({ channel: 'sms', outcome: 'sent' }));
        });
      }
      if (a.channel === 'push') await this.channels.push(scope, a.userId, message);
      else if (a.email) await this.channels.email(a.email, message);
      else return this.fail(a, 'no e-mail address');
      await alerts.settle(this.runtime.db, this.everyTenant, a.alertId, {
        status: 'sent',
        at: now,
      });
      this.alertsTotal.inc({ channel: a.channel, outcome: 'sent' });
    } catch (err) {
      const error = (err as Error).message;
      if (a.attempts >= MAX_ATTEMPTS) return this.fail(a, error);
      this.alertsTotal.inc({ channel: a.channel, outcome: 'retried' });
      await alerts.settle(this.runtime.db, this.everyTenant, a.alertId, {
        status: 'pending',
        at: now,
        error,
        retryAt: new Date(now.getTime() + 5_000 * 2 ** a.attempts),
      });
    }
  }

  private async fail(a: DueAlert, error: string): Promise<void> {
    this.runtime.logger.warn({ channel: a.channel, error }, 'staff alert not delivered');
    this.alertsTotal.inc({ channel: a.channel, outcome: 'failed' });
    await alerts.settle(this.runtime.db, this.everyTenant, a.alertId, {
      status: 'failed',
      at: this.runtime.clock.now(),
      error,
    });
  }

  private inboxLink(a: DueAlert): string {
    const base = (
      this.runtime.config.PUBLIC_BASE_URL ??
      this.runtime.listeningUrl ??
      'http://localhost:3004'
    ).replace(/\/$/, '');
    return `${base}/inbox?tenant=${a.tenantId}&thread=${a.threadId}`;
  }
}
