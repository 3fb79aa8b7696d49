import { Inject, Injectable } from '@nestjs/common';
import type { TenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { ConversationError } from '../errors';
import { ConversationService } from './conversation.service';
import { LeadRecorder } from './lead-recorder';
import { leadRepository as leads, type LeadRow } from './leads.repository';
import { threadMessageRepository as messages } from './thread-messages.repository';
import { threadRepository as threads, type ThreadRow } from './threads.repository';

/** What operators do in the inbox: read threads, reply as the business, assign, close, book. */
@Injectable()
export class InboxService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly conversation: ConversationService,
    private readonly leads: LeadRecorder,
  ) {}

  list(scope: TenantScope, filter: { locationId?: string; status?: string; urgent?: boolean }) {
    return threads.list(this.runtime.db, scope, filter);
  }

  /** The thread, its lead and messages as of one moment (one snapshot, never half of a change). */
  get(scope: TenantScope, threadId: string) {
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
      const replyId = await this.conversation.requestText(
        tx,
        location,
        thread.customerNumber,
        text,
        'operator',
      );
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
      const lead = await this.leads.of(tx, scope, thread, 'engaged');
      if (lead.status !== 'booked') await this.leads.change(tx, scope, lead, { status: 'lost' });
    });
  }

  /**
   * Time to first human reply, measured from the customer's first message, against the 5 / 15 /
   * 60 minute targets (compliance.md's industry figures); by default over the last 30 days.
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
      const lead = await this.leads.of(tx, scope, thread, 'engaged');
      return this.leads.change(tx, scope, lead, {
        status: 'booked',
        ...(value ? { valueMinor: value.amountMinor, currency: value.currency } : {}),
      });
    });
  }

  private async existing(scope: TenantScope, threadId: string): Promise<ThreadRow> {
    const thread = await threads.byId(this.runtime.db, scope, threadId);
    if (!thread) throw new ConversationError('not-found', `no thread ${threadId}`);
    return thread;
  }
}
