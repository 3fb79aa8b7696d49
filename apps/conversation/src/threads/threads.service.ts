import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { EntityManager } from 'typeorm';
import type {
  EventEnvelope,
  LeadChangedV1,
  LeadStatus,
  LocationProfile,
  SmsFailedV1,
  SmsPurpose,
} from '@textback/contracts';
import {
  readConsentReply,
  RulesQualifier,
  type LeadQualifier,
  type Qualification,
} from '@textback/domain';
import { addToOutbox, handleOnce } from '@textback/persistence';
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

export interface ThreadRow {
  thread_id: string;
  tenant_id: string;
  location_id: string;
  customer_number: string;
  call_id: string | null;
  status: 'open' | 'closed';
  urgent: boolean;
  automation: boolean;
  follow_ups_asked: number;
  on_call_notified_at: Date | null;
  assigned_to: string | null;
  first_customer_reply_at: Date | null;
  first_human_reply_at: Date | null;
  created_at: Date;
  last_message_at: Date;
}

export interface LeadRow {
  lead_id: string;
  thread_id: string;
  tenant_id: string;
  location_id: string;
  call_id: string | null;
  customer_number: string;
  status: LeadStatus;
  service_type: string | null;
  urgent: boolean;
  emergency: string | null;
  zip: string | null;
  requested_time: Date | null;
  value_minor: string | null;
  currency: string | null;
  version: number;
}

const first = <T>(rows: unknown): T | undefined =>
  Array.isArray(rows)
    ? Array.isArray(rows[0])
      ? (rows[0] as T[])[0]
      : (rows as T[])[0]
    : undefined;

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
    await this.once('conversation.sms-sent', event, async (tx) => {
      const thread = await this.threadFor(
        tx,
        s.tenantId,
        s.locationId,
        s.to,
        s.purpose === 'textback' ? s.sourceId : undefined,
      );
      // An operator's reply is already in the thread under its request id: it becomes the sent text.
      if (s.sourceId)
        await tx.query(
          `UPDATE thread_message SET message_id = $1, status = 'sent', at = $3 WHERE message_id = $2 AND status = 'requested'`,
          [s.smsId, s.sourceId, s.at],
        );
      await tx.query(
        `INSERT INTO thread_message (message_id, thread_id, direction, author, purpose, body, status, at)
         VALUES ($1, $2, 'outbound', $3, $4, $5, 'sent', $6) ON CONFLICT (message_id) DO NOTHING`,
        [
          s.smsId,
          thread.thread_id,
          s.purpose === 'operator' ? 'operator' : 'automation',
          s.purpose ?? null,
          s.text ?? null,
          s.at,
        ],
      );
      await tx.query(
        'UPDATE thread SET last_message_at = greatest(last_message_at, $2) WHERE thread_id = $1',
        [thread.thread_id, s.at],
      );
      // Every texted missed call is a lead, reply or not.
      if (s.purpose === 'textback' || s.purpose === undefined)
        await this.leadFor(tx, thread, 'new');
    });
  }

  async onDeliveryChange(smsId: string, status: 'delivered' | 'failed'): Promise<void> {
    await this.runtime.dataSource.query(
      'UPDATE thread_message SET status = $2 WHERE message_id = $1',
      [smsId, status],
    );
  }

  /** A text that failed or was never sent (opted out, refused): its message says so, with the reason. */
  async onFailed(f: SmsFailedV1): Promise<void> {
    await this.runtime.dataSource.query(
      `UPDATE thread_message SET status = 'failed', failure_reason = $3 WHERE message_id = $1 OR ($2::text IS NOT NULL AND message_id = $2 AND status = 'requested')`,
      [f.smsId, f.sourceId ?? null, f.reason],
    );
  }

  async onReceived(event: EventEnvelope<'sms.received.v1'>): Promise<void> {
    const m = event.payload;
    const location = this.directory.location(m.locationId);
    await this.once('conversation.sms-received', event, async (tx, afterCommit) => {
      const thread = await this.threadFor(tx, m.tenantId, m.locationId, m.from, undefined);
      await tx.query(
        `INSERT INTO thread_message (message_id, thread_id, direction, author, body, status, at)
         VALUES ($1, $2, 'inbound', 'customer', $3, 'received', $4) ON CONFLICT (message_id) DO NOTHING`,
        [m.carrierMessageId, thread.thread_id, m.text, m.receivedAt],
      );
      await tx.query(
        'UPDATE thread SET last_message_at = greatest(last_message_at, $2), first_customer_reply_at = coalesce(first_customer_reply_at, $2), status = $3 WHERE thread_id = $1',
        [thread.thread_id, m.receivedAt, 'open'],
      );
      // Consent keywords belong to compliance; an opt-out also ends automation here.
      const consent = readConsentReply(m.text, {
        currentlyOptedOut: false,
        carrierIntent: m.carrierIntent,
      });
      if (consent.kind === 'opt-out') {
        await tx.query('UPDATE thread SET automation = false WHERE thread_id = $1', [
          thread.thread_id,
        ]);
        return;
      }
      if (consent.kind === 'opt-in' || consent.kind === 'help') return;
      const lead = await this.leadFor(tx, thread, 'engaged');
      if (!location || !thread.automation) {
        if (lead.status === 'new') await this.saveLead(tx, lead, { status: 'engaged' });
        return;
      }
      await this.qualifyReply(tx, thread, lead, location, m.text, afterCommit);
    });
  }

  /** An opt-out anywhere in the brand ends automation in that customer's threads. */
  async onConsentChanged(event: EventEnvelope<'consent.changed.v1'>): Promise<void> {
    const c = event.payload;
    if (c.state !== 'opted-out') return;
    await this.runtime.dataSource.query(
      'UPDATE thread SET automation = false WHERE tenant_id = $1 AND customer_number = $2',
      [c.tenantId, c.phoneNumber],
    );
  }

  private async qualifyReply(
    tx: EntityManager,
    thread: ThreadRow,
    lead: LeadRow,
    location: LocationProfile,
    text: string,
    afterCommit: (effect: () => void) => void,
  ): Promise<void> {
    const q: Qualification = this.qualifier.qualify({
      text,
      vertical: location.vertical,
      timezone: location.timezone,
      now: new Date(),
    });
    const merged = {
      serviceType: lead.service_type ?? q.serviceType ?? null,
      urgent: lead.urgent || q.urgent,
      emergency: lead.emergency ?? q.emergency ?? null,
      zip: q.zip ?? lead.zip,
      requestedTime: q.requestedTime ?? lead.requested_time,
    };
    const qualified =
      merged.serviceType !== null &&
      (merged.zip !== null || merged.requestedTime !== null || merged.urgent);
    await this.saveLead(tx, lead, {
      status: lead.status === 'booked' ? 'booked' : qualified ? 'qualified' : 'engaged',
      service_type: merged.serviceType,
      urgent: merged.urgent,
      emergency: merged.emergency,
      zip: merged.zip,
      requested_time: merged.requestedTime,
    });
    if (merged.urgent)
      await tx.query('UPDATE thread SET urgent = true WHERE thread_id = $1', [thread.thread_id]);

    if (q.emergency && !thread.on_call_notified_at) {
      await tx.query('UPDATE thread SET on_call_notified_at = now() WHERE thread_id = $1', [
        thread.thread_id,
      ]);
      if (location.onCallNumber) {
        await this.requestText(
          tx,
          location,
          location.onCallNumber,
          `URGENT ${location.brandName} ${location.locationName}: ${q.emergency.replace(/-/g, ' ')}. Customer ${thread.customer_number} wrote: "${text.slice(0, 300)}"`,
          'on-call-alert',
        );
      }
      await this.requestText(
        tx,
        location,
        thread.customer_number,
        "Thanks, this sounds urgent. We've alerted our on-call team and someone will call you shortly to help.",
        'auto-response',
      );
      const url = location.onCallWebhookUrl;
      const emergency = {
        threadId: thread.thread_id,
        leadId: lead.lead_id,
        tenantId: location.tenantId,
        locationId: location.locationId,
        emergency: q.emergency,
      };
      if (url) afterCommit(() => this.notifyOnCallWebhook(url, emergency));
      return;
    }
    const max = location.maxFollowUpQuestions ?? 2;
    if (thread.follow_ups_asked >= max) return;
    const question =
      merged.serviceType === null
        ? 'What do you need help with?'
        : merged.zip === null && !merged.urgent
          ? "What's the ZIP code where you need us?"
          : merged.requestedTime === null
            ? 'When would you like us to come out?'
            : undefined;
    if (!question) return;
    await tx.query(
      'UPDATE thread SET follow_ups_asked = follow_ups_asked + 1 WHERE thread_id = $1',
      [thread.thread_id],
    );
    await this.requestText(tx, location, thread.customer_number, question, 'follow-up');
  }

  /** Asks sms-dispatch for a text from the location's number; returns the request's id. */
  private async requestText(
    tx: EntityManager,
    location: LocationProfile,
    to: string,
    text: string,
    purpose: Exclude<SmsPurpose, 'textback'>,
  ): Promise<string> {
    const replyId = randomUUID();
    await addToOutbox(tx, 'sms.reply-requested.v1', {
      replyId,
      tenantId: location.tenantId,
      locationId: location.locationId,
      from: location.businessNumbers[0] as never,
      to: to as never,
      text,
      purpose,
      requestedAt: new Date().toISOString(),
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
          body: JSON.stringify({ type: 'emergency', ...body, at: new Date().toISOString() }),
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

  async list(filter: {
    tenantId: string;
    locationId?: string;
    status?: string;
    urgent?: boolean;
  }): Promise<(ThreadRow & { lead_status: string | null })[]> {
    return this.runtime.dataSource.query(
      `SELECT t.*, l.status AS lead_status FROM thread t LEFT JOIN lead l ON l.thread_id = t.thread_id
       WHERE t.tenant_id = $1 AND ($2::text IS NULL OR t.location_id = $2) AND ($3::text IS NULL OR t.status = $3) AND ($4::boolean IS NULL OR t.urgent = $4)
       ORDER BY t.urgent DESC, t.last_message_at DESC LIMIT 200`,
      [filter.tenantId, filter.locationId ?? null, filter.status ?? null, filter.urgent ?? null],
    );
  }

  /** The thread, its lead and messages as of one moment (one snapshot, never half of a change). */
  async get(
    threadId: string,
  ): Promise<{ thread: ThreadRow; lead: LeadRow | undefined; messages: unknown[] }> {
    return this.runtime.dataSource.transaction('REPEATABLE READ', async (m) => {
      const thread = first<ThreadRow>(
        await m.query('SELECT * FROM thread WHERE thread_id = $1', [threadId]),
      );
      if (!thread) throw new ConversationError('not-found', `no thread ${threadId}`);
      const lead = first<LeadRow>(
        await m.query('SELECT * FROM lead WHERE thread_id = $1', [threadId]),
      );
      const messages: unknown[] = await m.query(
        'SELECT message_id, direction, author, purpose, body, status, failure_reason, at FROM thread_message WHERE thread_id = $1 ORDER BY at, message_id',
        [threadId],
      );
      return { thread, lead, messages };
    });
  }

  /** A person replies as the business number: automation on this thread ends. */
  async reply(threadId: string, author: string, text: string): Promise<{ replyRequested: true }> {
    const { thread } = await this.get(threadId);
    const location = this.directory.location(thread.location_id);
    if (!location)
      throw new ConversationError('not-found', `location ${thread.location_id} is not configured`);
    await this.runtime.dataSource.transaction(async (tx) => {
      await tx.query(
        `UPDATE thread SET automation = false, assigned_to = coalesce(assigned_to, $2), first_human_reply_at = coalesce(first_human_reply_at, now()), status = 'open' WHERE thread_id = $1`,
        [threadId, author],
      );
      const replyId = await this.requestText(
        tx,
        location,
        thread.customer_number,
        text,
        'operator',
      );
      // In the thread at once: sent, delivered, or not sent and why, as the pipeline reports it.
      await tx.query(
        `INSERT INTO thread_message (message_id, thread_id, direction, author, purpose, body, status, at) VALUES ($1, $2, 'outbound', 'operator', 'operator', $3, 'requested', now())`,
        [replyId, threadId, text],
      );
    });
    this.committed();
    return { replyRequested: true };
  }

  async assign(threadId: string, assignee: string): Promise<void> {
    await this.get(threadId);
    await this.runtime.dataSource.query('UPDATE thread SET assigned_to = $2 WHERE thread_id = $1', [
      threadId,
      assignee,
    ]);
  }

  /** Closes the thread; `lost` also marks its lead lost (booked leads stay booked). */
  async close(threadId: string, outcome?: 'lost'): Promise<void> {
    const { thread } = await this.get(threadId);
    await this.runtime.dataSource.transaction(async (tx) => {
      await tx.query(
        `UPDATE thread SET status = 'closed', automation = false WHERE thread_id = $1`,
        [threadId],
      );
      if (outcome !== 'lost') return;
      const lead = await this.leadFor(tx, thread, 'engaged');
      if (lead.status !== 'booked') await this.saveLead(tx, lead, { status: 'lost' });
    });
    this.committed();
  }

  /**
   * Time to first human reply, measured from the customer's first message, against the 5 / 15 /
   * 60 minute targets (compliance.md's industry figures): how many threads met each.
   */
  async responseTimes(
    tenantId: string,
    since: Date,
  ): Promise<{
    threads: number;
    answered: number;
    within5m: number;
    within15m: number;
    within60m: number;
    medianSeconds: number | null;
  }> {
    const rows: {
      threads: string;
      answered: string;
      w5: string;
      w15: string;
      w60: string;
      median: number | null;
    }[] = await this.runtime.dataSource.query(
      `SELECT count(*) AS threads,
              count(first_human_reply_at) AS answered,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '5 minutes') AS w5,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '15 minutes') AS w15,
              count(*) FILTER (WHERE first_human_reply_at - first_customer_reply_at <= interval '60 minutes') AS w60,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_human_reply_at - first_customer_reply_at)) AS median
       FROM thread WHERE tenant_id = $1 AND first_customer_reply_at >= $2`,
      [tenantId, since],
    );
    const r = rows[0];
    return {
      threads: Number(r?.threads ?? 0),
      answered: Number(r?.answered ?? 0),
      within5m: Number(r?.w5 ?? 0),
      within15m: Number(r?.w15 ?? 0),
      within60m: Number(r?.w60 ?? 0),
      medianSeconds: r?.median === null || r?.median === undefined ? null : Number(r.median),
    };
  }

  /** Without a value (not known yet), reporting counts the location's average ticket. */
  async book(
    threadId: string,
    value: { amountMinor: number; currency: string } | undefined,
  ): Promise<LeadRow> {
    const { thread } = await this.get(threadId);
    const saved = await this.runtime.dataSource.transaction(async (tx) => {
      const lead = await this.leadFor(tx, thread, 'engaged');
      return this.saveLead(tx, lead, {
        status: 'booked',
        ...(value ? { value_minor: String(value.amountMinor), currency: value.currency } : {}),
      });
    });
    this.committed();
    return saved;
  }

  // ---- storage ----

  /**
   * Handles an event once; effects outside the database (the on-call webhook) are queued with
   * `afterCommit` and run only once the transaction has committed, so a rolled-back or
   * redelivered event never calls out twice or before its state exists.
   */
  private async once(
    consumer: string,
    event: { metadata: { id: string } },
    work: (tx: EntityManager, afterCommit: (effect: () => void) => void) => Promise<void>,
  ): Promise<void> {
    const effects: (() => void)[] = [];
    const handled = await handleOnce(this.runtime.dataSource, consumer, event.metadata.id, (tx) =>
      work(tx, (effect) => effects.push(effect)),
    );
    if (!handled) return;
    this.committed();
    for (const effect of effects) effect();
  }

  private async threadFor(
    tx: EntityManager,
    tenantId: string,
    locationId: string,
    customer: string,
    callId: string | undefined,
  ): Promise<ThreadRow> {
    await tx.query(
      `INSERT INTO thread (thread_id, tenant_id, location_id, customer_number, call_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (location_id, customer_number) DO UPDATE SET call_id = coalesce(EXCLUDED.call_id, thread.call_id)`,
      [randomUUID(), tenantId, locationId, customer, callId ?? null],
    );
    const thread = first<ThreadRow>(
      await tx.query(
        'SELECT * FROM thread WHERE location_id = $1 AND customer_number = $2 FOR UPDATE',
        [locationId, customer],
      ),
    );
    if (!thread) throw new Error('thread vanished');
    return thread;
  }

  private async leadFor(
    tx: EntityManager,
    thread: ThreadRow,
    status: LeadStatus,
  ): Promise<LeadRow> {
    const existing = first<LeadRow>(
      await tx.query('SELECT * FROM lead WHERE thread_id = $1 FOR UPDATE', [thread.thread_id]),
    );
    if (existing) return existing;
    const rows: unknown = await tx.query(
      `INSERT INTO lead (lead_id, thread_id, tenant_id, location_id, call_id, customer_number, status) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        randomUUID(),
        thread.thread_id,
        thread.tenant_id,
        thread.location_id,
        thread.call_id,
        thread.customer_number,
        status,
      ],
    );
    const lead = first<LeadRow>(rows);
    if (!lead) throw new Error('lead not created');
    await this.publishLead(tx, lead);
    return lead;
  }

  private async saveLead(
    tx: EntityManager,
    lead: LeadRow,
    change: Partial<Omit<LeadRow, 'lead_id' | 'thread_id' | 'version'>>,
  ): Promise<LeadRow> {
    const next = { ...lead, ...change };
    const rows: unknown = await tx.query(
      `UPDATE lead SET status = $2, service_type = $3, urgent = $4, emergency = $5, zip = $6, requested_time = $7, value_minor = $8, currency = $9,
         version = version + 1, updated_at = now() WHERE lead_id = $1 RETURNING *`,
      [
        lead.lead_id,
        next.status,
        next.service_type,
        next.urgent,
        next.emergency,
        next.zip,
        next.requested_time,
        next.value_minor,
        next.currency,
      ],
    );
    const saved = first<LeadRow>(rows);
    if (!saved) throw new Error('lead vanished');
    await this.publishLead(tx, saved, lead.status);
    return saved;
  }

  private async publishLead(tx: EntityManager, l: LeadRow, previousStatus?: string): Promise<void> {
    if (l.status !== previousStatus) this.leadTransitions.inc({ status: l.status });
    const event: LeadChangedV1 = {
      leadId: l.lead_id,
      tenantId: l.tenant_id as never,
      locationId: l.location_id as never,
      threadId: l.thread_id,
      ...(l.call_id ? { callId: l.call_id } : {}),
      customerNumber: l.customer_number as never,
      status: l.status,
      ...(l.service_type ? { serviceType: l.service_type } : {}),
      urgent: l.urgent,
      ...(l.emergency ? { emergency: l.emergency } : {}),
      ...(l.zip ? { zip: l.zip } : {}),
      ...(l.requested_time ? { requestedTime: new Date(l.requested_time).toISOString() } : {}),
      ...(l.value_minor !== null && l.currency
        ? { value: { amountMinor: Number(l.value_minor), currency: l.currency } }
        : {}),
      version: l.version,
      changedAt: new Date().toISOString(),
    };
    await addToOutbox(tx, 'lead.changed.v1', event);
    await this.crm.enqueue(tx, event, previousStatus);
  }

  /** After a commit: the outbox relay and the CRM worker find the new rows at once. */
  private committed(): void {
    this.runtime.outbox.wake();
    this.crm.kick();
  }
}
