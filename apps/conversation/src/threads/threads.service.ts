import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type {
  E164,
  EventEnvelope,
  LeadChangedV1,
  LeadStatus,
  LocationProfile,
  SmsPurpose,
} from '@textback/contracts';
import {
  readConsentReply,
  RulesQualifier,
  type LeadQualifier,
  type Qualification,
} from '@textback/domain';
import { addToOutbox, handleOnce, scopeOf, type TenantScope, type Tx } from '@textback/persistence';
import {
  counterOf,
  egressFetch,
  EgressRefusedError,
  RUNTIME,
  type ServiceRuntime,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { CrmSyncService } from '../crm/crm-sync.service';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';
import {
  leadRepository as leads,
  threadMessageRepository as messages,
  threadRepository as threads,
  type LeadChange,
  type LeadRow,
  type ThreadRow,
} from './threads.repository';

export type { LeadRow, ThreadRow };

/**
 * Threads and leads. Every text to or from a customer lands in the thread of its location and
 * number; a texted missed call makes a lead; replies are qualified by the vertical's rules while
 * automation is on (at most the location's number of follow-up questions, one at a time), and
 * an emergency alerts the on-call contact at once. A human reply or an opt-out ends automation.
 */
@Injectable()
export class ThreadsService implements OnModuleDestroy {
  private readonly qualifier: LeadQualifier = new RulesQualifier();

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly crm: CrmSyncService,
  ) {
    this.leadTransitions = counterOf(
      runtime.registry,
      'conversation_lead_transitions_total',
      'Leads entering a status',
      ['status'],
    );
    this.onCallWebhooks = counterOf(
      runtime.registry,
      'conversation_on_call_webhooks_total',
      'On-call webhook calls by result (delivered, failed, refused by the egress check)',
      ['result'],
    );
  }

  /** Leads reaching each status (SRE funnel view; per-tenant detail is the reporting API's). */
  private readonly leadTransitions: Counter<'status'>;
  private readonly onCallWebhooks: Counter<'result'>;
  /** On-call webhook calls in flight (awaited on shutdown). */
  private readonly onCallCalls = new Set<Promise<void>>();

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.onCallCalls]);
  }

  async onSent(event: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    const s = event.payload;
    if (s.purpose === 'on-call-alert') return; // to staff, not a customer conversation
    const scope = scopeOf(event);
    await handleOnce(this.runtime.db, 'conversation.sms-sent', event.metadata.id, async (tx) => {
      const thread = await this.threadFor(
        tx,
        scope,
        s.locationId,
        s.to,
        s.purpose === 'textback' ? s.sourceId : undefined,
      );
      // An operator's reply is already in the thread under its request id: it becomes the sent text.
      if (s.sourceId)
        await messages.requestSent(tx, scope, s.sourceId, { smsId: s.smsId, at: s.at });
      await messages.add(tx, scope, {
        messageId: s.smsId,
        threadId: thread.threadId,
        direction: 'outbound',
        author: s.purpose === 'operator' ? 'operator' : 'automation',
        purpose: s.purpose ?? null,
        body: s.text ?? null,
        status: 'sent',
        at: s.at,
      });
      await threads.update(tx, scope, thread.threadId, { kind: 'message-at', at: s.at });
      // Every texted missed call is a lead, reply or not.
      if (s.purpose === 'textback' || s.purpose === undefined)
        await this.leadFor(tx, scope, thread, 'new');
    });
  }

  onDelivered(event: EventEnvelope<'sms.delivered.v1'>): Promise<void> {
    return messages.delivered(this.runtime.db, scopeOf(event), event.payload.smsId, 'delivered');
  }

  /** A text that failed or was never sent (opted out, refused): its message says so, with the reason. */
  onFailed(event: EventEnvelope<'sms.failed.v1'>): Promise<void> {
    const f = event.payload;
    return messages.failed(this.runtime.db, scopeOf(event), {
      smsId: f.smsId,
      requestId: f.sourceId,
      reason: f.reason,
    });
  }

  async onReceived(event: EventEnvelope<'sms.received.v1'>): Promise<void> {
    const m = event.payload;
    const scope = scopeOf(event);
    const location = this.directory.location(m.locationId);
    await handleOnce(
      this.runtime.db,
      'conversation.sms-received',
      event.metadata.id,
      async (tx) => {
        const thread = await this.threadFor(tx, scope, m.locationId, m.from, undefined);
        await messages.add(tx, scope, {
          messageId: m.carrierMessageId,
          threadId: thread.threadId,
          direction: 'inbound',
          author: 'customer',
          purpose: null,
          body: m.text,
          status: 'received',
          at: m.receivedAt,
        });
        await threads.update(tx, scope, thread.threadId, {
          kind: 'customer-replied',
          at: m.receivedAt,
        });
        // Consent keywords belong to compliance; an opt-out also ends automation here.
        const consent = readConsentReply(m.text, {
          currentlyOptedOut: false,
          carrierIntent: m.carrierIntent,
        });
        if (consent.kind === 'opt-out') {
          await threads.update(tx, scope, thread.threadId, { kind: 'automation-off' });
          return;
        }
        if (consent.kind === 'opt-in' || consent.kind === 'help') return;
        const lead = await this.leadFor(tx, scope, thread, 'engaged');
        if (!location || !thread.automation) {
          if (lead.status === 'new') await this.saveLead(tx, scope, lead, { status: 'engaged' });
          return;
        }
        await this.qualifyReply(tx, scope, thread, lead, location, m.text);
      },
    );
  }

  /** An opt-out anywhere in the brand ends automation in that customer's threads. */
  async onConsentChanged(event: EventEnvelope<'consent.changed.v1'>): Promise<void> {
    const c = event.payload;
    if (c.state !== 'opted-out') return;
    await threads.stopAutomationFor(this.runtime.db, scopeOf(event), c.phoneNumber);
  }

  private async qualifyReply(
    tx: Tx,
    scope: TenantScope,
    thread: ThreadRow,
    lead: LeadRow,
    location: LocationProfile,
    text: string,
  ): Promise<void> {
    const q: Qualification = this.qualifier.qualify({
      text,
      vertical: location.vertical,
      timezone: location.timezone,
      now: this.runtime.clock.now(),
    });
    const merged = {
      serviceType: lead.serviceType ?? q.serviceType ?? null,
      urgent: lead.urgent || q.urgent,
      emergency: lead.emergency ?? q.emergency ?? null,
      zip: q.zip ?? lead.zip,
      requestedTime: q.requestedTime ?? lead.requestedTime,
    };
    const qualified =
      merged.serviceType !== null &&
      (merged.zip !== null || merged.requestedTime !== null || merged.urgent);
    await this.saveLead(tx, scope, lead, {
      status: lead.status === 'booked' ? 'booked' : qualified ? 'qualified' : 'engaged',
      ...merged,
    });
    if (merged.urgent) await threads.update(tx, scope, thread.threadId, { kind: 'urgent' });

    if (q.emergency && !thread.onCallNotifiedAt) {
      await threads.update(tx, scope, thread.threadId, { kind: 'on-call-notified' });
      if (location.onCallNumber) {
        await this.requestText(
          tx,
          location,
          location.onCallNumber,
          `URGENT ${location.brandName} ${location.locationName}: ${q.emergency.replace(/-/g, ' ')}. Customer ${thread.customerNumber} wrote: "${text.slice(0, 300)}"`,
          'on-call-alert',
        );
      }
      await this.requestText(
        tx,
        location,
        thread.customerNumber,
        "Thanks, this sounds urgent. We've alerted our on-call team and someone will call you shortly to help.",
        'auto-response',
      );
      const url = location.onCallWebhookUrl;
      const emergency = {
        threadId: thread.threadId,
        leadId: lead.leadId,
        tenantId: location.tenantId,
        locationId: location.locationId,
        emergency: q.emergency,
      };
      // After the commit: a rolled-back or redelivered event never calls out twice or too early.
      if (url) tx.afterCommit(() => this.notifyOnCallWebhook(url, emergency));
      return;
    }
    const max = location.maxFollowUpQuestions ?? 2;
    if (thread.followUpsAsked >= max) return;
    const question =
      merged.serviceType === null
        ? 'What do you need help with?'
        : merged.zip === null && !merged.urgent
          ? "What's the ZIP code where you need us?"
          : merged.requestedTime === null
            ? 'When would you like us to come out?'
            : undefined;
    if (!question) return;
    await threads.update(tx, scope, thread.threadId, { kind: 'follow-up-asked' });
    await this.requestText(tx, location, thread.customerNumber, question, 'follow-up');
  }

  /** Asks sms-dispatch for a text from the location's number; returns the request's id. */
  private async requestText(
    tx: Tx,
    location: LocationProfile,
    to: E164,
    text: string,
    purpose: Exclude<SmsPurpose, 'textback'>,
  ): Promise<string> {
    const from = location.businessNumbers[0];
    if (!from)
      throw new ConversationError('not-found', `location ${location.locationId} has no number`);
    const replyId = randomUUID();
    await addToOutbox(tx, 'sms.reply-requested.v1', {
      replyId,
      tenantId: location.tenantId,
      locationId: location.locationId,
      from,
      to,
      text,
      purpose,
      requestedAt: this.runtime.clock.now().toISOString(),
    });
    return replyId;
  }

  /** The on-call webhook (after the commit), through the egress check, retried with backoff; a failure is logged, the SMS alert stands. */
  private notifyOnCallWebhook(url: string, body: object): void {
    const policy = retry(
      handleWhen((err) => !(err instanceof EgressRefusedError)),
      { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 2_000 }) },
    );
    const egress = { allowInsecure: this.runtime.config.EGRESS_ALLOW_INSECURE };
    const call = policy.execute(async () => {
      const res = await egressFetch(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'emergency',
            ...body,
            at: this.runtime.clock.now().toISOString(),
          }),
          signal: AbortSignal.timeout(5_000),
        },
        egress,
      );
      if (!res.ok) throw new Error(`on-call webhook answered ${res.status}`);
    });
    this.onCallCalls.add(call);
    void call
      .then(() => this.onCallWebhooks.inc({ result: 'delivered' }))
      .catch((err: unknown) => {
        this.onCallWebhooks.inc({
          result: err instanceof EgressRefusedError ? 'refused' : 'failed',
        });
        this.runtime.logger.error({ err: String(err) }, 'on-call webhook failed');
      })
      .finally(() => this.onCallCalls.delete(call));
  }

  // ---- the operator inbox ----

  list(scope: TenantScope, filter: { locationId?: string; status?: string; urgent?: boolean }) {
    return threads.list(this.runtime.db, scope, filter);
  }

  /** The thread, its lead and messages as of one moment (one snapshot, never half of a change). */
  async get(scope: TenantScope, threadId: string) {
    return this.runtime.transaction(
      async (tx) => {
        const thread = await threads.byId(tx, scope, threadId);
        if (!thread) throw new ConversationError('not-found', `no thread ${threadId}`);
        const lead = await leads.ofThread(tx, scope, threadId);
        return { thread, lead, messages: await messages.ofThread(tx, scope, threadId) };
      },
      { isolation: 'repeatable read' },
    );
  }

  /** A person replies as the business number: automation on this thread ends. */
  async reply(
    scope: TenantScope,
    threadId: string,
    author: string,
    text: string,
  ): Promise<{ replyRequested: true }> {
    const thread = await this.existing(scope, threadId);
    const location = this.directory.location(thread.locationId);
    if (!location)
      throw new ConversationError('not-found', `location ${thread.locationId} is not configured`);
    await this.runtime.transaction(async (tx) => {
      await threads.update(tx, scope, threadId, { kind: 'human-replied', author });
      const replyId = await this.requestText(tx, location, thread.customerNumber, text, 'operator');
      // In the thread at once: sent, delivered, or not sent and why, as the pipeline reports it.
      await messages.add(tx, scope, {
        messageId: replyId,
        threadId,
        direction: 'outbound',
        author: 'operator',
        purpose: 'operator',
        body: text,
        status: 'requested',
        at: null,
      });
    });
    return { replyRequested: true };
  }

  async assign(scope: TenantScope, threadId: string, assignee: string): Promise<void> {
    if (!(await threads.update(this.runtime.db, scope, threadId, { kind: 'assigned', assignee })))
      throw new ConversationError('not-found', `no thread ${threadId}`);
  }

  /** Closes the thread; `lost` also marks its lead lost (booked leads stay booked). */
  async close(scope: TenantScope, threadId: string, outcome?: 'lost'): Promise<void> {
    const thread = await this.existing(scope, threadId);
    await this.runtime.transaction(async (tx) => {
      await threads.update(tx, scope, threadId, { kind: 'closed' });
      if (outcome !== 'lost') return;
      const lead = await this.leadFor(tx, scope, thread, 'engaged');
      if (lead.status !== 'booked') await this.saveLead(tx, scope, lead, { status: 'lost' });
    });
  }

  /**
   * Time to first human reply, measured from the customer's first message, against the 5 / 15 /
   * 60 minute targets (compliance.md's industry figures): how many threads met each.
   */
  responseTimes(scope: TenantScope, since?: Date) {
    const from = since ?? new Date(this.runtime.clock.now().getTime() - 30 * 86_400_000);
    return threads.responseTimes(this.runtime.db, scope, from);
  }

  /** Without a value (not known yet), reporting counts the location's average ticket. */
  async book(
    scope: TenantScope,
    threadId: string,
    value: { amountMinor: number; currency: string } | undefined,
  ): Promise<LeadRow> {
    const thread = await this.existing(scope, threadId);
    return this.runtime.transaction(async (tx) => {
      const lead = await this.leadFor(tx, scope, thread, 'engaged');
      return this.saveLead(tx, scope, lead, {
        status: 'booked',
        ...(value ? { valueMinor: value.amountMinor, currency: value.currency } : {}),
      });
    });
  }

  // ---- storage ----

  private async existing(scope: TenantScope, threadId: string): Promise<ThreadRow> {
    const thread = await threads.byId(this.runtime.db, scope, threadId);
    if (!thread) throw new ConversationError('not-found', `no thread ${threadId}`);
    return thread;
  }

  private threadFor(
    tx: Tx,
    scope: TenantScope,
    locationId: string,
    customerNumber: E164,
    callId: string | undefined,
  ): Promise<ThreadRow> {
    return threads.claim(tx, scope, { threadId: randomUUID(), locationId, customerNumber, callId });
  }

  private async leadFor(
    tx: Tx,
    scope: TenantScope,
    thread: ThreadRow,
    status: LeadStatus,
  ): Promise<LeadRow> {
    const existing = await leads.ofThread(tx, scope, thread.threadId, true);
    if (existing) return existing;
    const lead = await leads.insert(tx, scope, randomUUID(), thread, status);
    await this.publishLead(tx, scope, lead);
    return lead;
  }

  private async saveLead(
    tx: Tx,
    scope: TenantScope,
    lead: LeadRow,
    change: LeadChange,
  ): Promise<LeadRow> {
    const saved = await leads.save(tx, scope, { ...lead, ...change });
    await this.publishLead(tx, scope, saved, lead.status);
    return saved;
  }

  private async publishLead(
    tx: Tx,
    scope: TenantScope,
    l: LeadRow,
    previousStatus?: string,
  ): Promise<void> {
    if (l.status !== previousStatus) this.leadTransitions.inc({ status: l.status });
    const event: LeadChangedV1 = {
      leadId: l.leadId,
      tenantId: l.tenantId,
      locationId: l.locationId,
      threadId: l.threadId,
      ...(l.callId ? { callId: l.callId } : {}),
      customerNumber: l.customerNumber,
      status: l.status,
      ...(l.serviceType ? { serviceType: l.serviceType } : {}),
      urgent: l.urgent,
      ...(l.emergency ? { emergency: l.emergency } : {}),
      ...(l.zip ? { zip: l.zip } : {}),
      ...(l.requestedTime ? { requestedTime: l.requestedTime.toISOString() } : {}),
      ...(l.valueMinor !== null && l.currency
        ? { value: { amountMinor: l.valueMinor, currency: l.currency } }
        : {}),
      version: l.version,
      changedAt: this.runtime.clock.now().toISOString(),
    };
    await addToOutbox(tx, 'lead.changed.v1', event);
    await this.crm.enqueue(tx, scope, event, previousStatus);
  }
}
