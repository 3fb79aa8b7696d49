import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { E164, EventEnvelope, LocationProfile, SmsPurpose } from '@textback/contracts';
import {
  isQualified,
  nextFollowUpQuestion,
  readConsentReply,
  RulesQualifier,
  type LeadQualifier,
} from '@textback/domain';
import { addToOutbox, handleOnce, scopeOf, type TenantScope, type Tx } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import type { ConversationConfig } from '../config';
import { alertsRepository as alerts } from '../alerts/alerts.repository';
import { ConversationError } from '../errors';
import { LeadRecorder } from './lead-recorder';
import type { LeadRow } from './leads.repository';
import { OnCallNotifier } from './on-call-notifier';
import { threadMessageRepository as messages } from './thread-messages.repository';
import { threadRepository as threads, type ThreadRow } from './threads.repository';

/**
 * Every text to or from a customer lands in the thread of its location and number; a texted
 * missed call makes a lead; replies are qualified by the vertical's rules while automation is on
 * (the follow-up policy asks one question at a time), and an emergency alerts the on-call
 * contact at once. A human reply or an opt-out ends automation.
 */
@Injectable()
export class ConversationService {
  private readonly qualifier: LeadQualifier = new RulesQualifier();

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly leads: LeadRecorder,
    private readonly onCall: OnCallNotifier,
  ) {}

  async onSent(event: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    const s = event.payload;
    if (s.purpose === 'on-call-alert') return; // to staff, not a customer conversation
    const scope = scopeOf(event);
    await handleOnce(this.runtime.db, 'conversation.sms-sent', event.metadata.id, async (tx) => {
      const thread = await this.threadOf(
        tx,
        scope,
        s.locationId,
        s.to,
        s.purpose === 'textback' ? s.sourceId : undefined,
      );
      // An operator's reply is already in the thread under its request id: it becomes the sent text.
      if (s.purpose === 'operator' && s.sourceId)
        await messages.requestSent(tx, scope, s.sourceId, { smsId: s.smsId, at: s.at });
      await messages.addAndTouch(tx, scope, {
        messageId: s.smsId,
        threadId: thread.threadId,
        direction: 'outbound',
        author: s.purpose === 'operator' ? 'operator' : 'automation',
        authorId: null,
        purpose: s.purpose ?? null,
        body: s.text ?? null,
        status: 'sent',
        at: s.at,
      });
      // Every texted missed call is a lead, reply or not.
      if (s.purpose === 'textback' || s.purpose === undefined)
        await this.leads.of(tx, scope, thread, 'new', thread.created);
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
        const thread = await this.threadOf(tx, scope, m.locationId, m.from, undefined);
        await messages.add(tx, scope, {
          messageId: m.carrierMessageId,
          threadId: thread.threadId,
          direction: 'inbound',
          author: 'customer',
          authorId: null,
          purpose: null,
          body: m.text,
          status: 'received',
          at: m.receivedAt,
        });
        // Consent keywords belong to compliance; an opt-out also ends automation here.
        const consent = readConsentReply(m.text, {
          currentlyOptedOut: false,
          carrierIntent: m.carrierIntent,
        });
        const keyword =
          consent.kind === 'opt-out' || consent.kind === 'opt-in' || consent.kind === 'help';
        await threads.update(tx, scope, thread.threadId, {
          kind: 'customer-replied',
          at: m.receivedAt,
          // STOP, START and HELP are answered by the platform: nobody needs to reply to them.
          waits: !keyword,
        });
        // Staff are told (and, unanswered, the next tier): the alert worker's next pass.
        if (!keyword)
          await alerts.startWaiting(tx, scope, {
            threadId: thread.threadId,
            locationId: thread.locationId,
            at: this.runtime.clock.now(),
          });
        if (consent.kind === 'opt-out') {
          await threads.update(tx, scope, thread.threadId, { kind: 'automation-off' });
          return;
        }
        if (consent.kind === 'opt-in' || consent.kind === 'help') return;
        const lead = await this.leads.of(tx, scope, thread, 'engaged');
        if (!location || !thread.automation) {
          if (lead.status === 'new')
            await this.leads.change(tx, scope, lead, { status: 'engaged' });
          return;
        }
        await this.qualifyReply(tx, scope, thread, lead, location, m.text);
      },
    );
  }

  private async qualifyReply(
    tx: Tx,
    scope: TenantScope,
    thread: ThreadRow,
    lead: LeadRow,
    location: LocationProfile,
    text: string,
  ): Promise<void> {
    const q = this.qualifier.qualify({
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
    await this.leads.change(tx, scope, lead, {
      status: lead.status === 'booked' ? 'booked' : isQualified(merged) ? 'qualified' : 'engaged',
      ...merged,
    });
    if (merged.urgent) await threads.update(tx, scope, thread.threadId, { kind: 'urgent' });
    if (q.emergency && !thread.onCallNotifiedAt) {
      await this.alertOnCall(tx, scope, thread, lead, location, q.emergency, text);
      return;
    }
    const question = nextFollowUpQuestion(
      merged,
      thread.followUpsAsked,
      location.maxFollowUpQuestions,
    );
    if (!question) return;
    await threads.update(tx, scope, thread.threadId, { kind: 'follow-up-asked' });
    await this.requestText(tx, location, thread.customerNumber, question, 'follow-up');
  }

  /** The on-call contact by text (and webhook, after the commit); the customer is told help is coming. */
  private async alertOnCall(
    tx: Tx,
    scope: TenantScope,
    thread: ThreadRow,
    lead: LeadRow,
    location: LocationProfile,
    emergency: string,
    text: string,
  ): Promise<void> {
    await threads.update(tx, scope, thread.threadId, { kind: 'on-call-notified' });
    if (location.onCallNumber)
      await this.requestText(
        tx,
        location,
        location.onCallNumber,
        `URGENT ${location.brandName} ${location.locationName}: ${emergency.replace(/-/g, ' ')}. Customer ${thread.customerNumber} wrote: "${text.slice(0, 300)}"`,
        'on-call-alert',
      );
    await this.requestText(
      tx,
      location,
      thread.customerNumber,
      "Thanks, this sounds urgent. We've alerted our on-call team and someone will call you shortly to help.",
      'auto-response',
    );
    const url = location.onCallWebhookUrl;
    if (!url) return;
    const details = {
      threadId: thread.threadId,
      leadId: lead.leadId,
      tenantId: location.tenantId,
      locationId: location.locationId,
      emergency,
    };
    // After the commit: a rolled-back or redelivered event never calls out twice or too early.
    tx.afterCommit(() => this.onCall.notify(url, details));
  }

  /** Asks sms-dispatch for a text from the location's number; returns the request's id. */
  async requestText(
    tx: Tx,
    location: LocationProfile,
    to: E164,
    text: string,
    purpose: Exclude<SmsPurpose, 'textback' | 'staff'>,
    replyId: string = randomUUID(),
  ): Promise<string> {
    const from = location.businessNumbers[0];
    if (!from)
      throw new ConversationError('not-found', `location ${location.locationId} has no number`);
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

  private threadOf(
    tx: Tx,
    scope: TenantScope,
    locationId: string,
    customerNumber: E164,
    callId: string | undefined,
  ): Promise<ThreadRow & { created: boolean }> {
    return threads.claim(tx, scope, { threadId: randomUUID(), locationId, customerNumber, callId });
  }
}
