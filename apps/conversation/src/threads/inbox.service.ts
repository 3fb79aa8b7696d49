import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { LocationProfile } from '@textback/contracts';
import {
  customerClock,
  decodeInboxCursor,
  encodeInboxCursor,
  type InboxOrder,
} from '@textback/domain';
import type { TenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { alertsRepository as alerts } from '../alerts/alerts.repository';
import { ConversationError } from '../errors';
import { draftsRepository as drafts } from '../team/drafts.repository';
import { notesRepository as notes } from '../team/notes.repository';
import { teamRepository as team } from '../team/team.repository';
import { ConversationService } from './conversation.service';
import { inboxListRepository as inboxList, type InboxFilter } from './inbox-list.repository';
import { LeadRecorder } from './lead-recorder';
import { leadRepository as leads } from './leads.repository';
import { threadMessageRepository as messages } from './thread-messages.repository';
import { threadRepository as threads, type ThreadRow } from './threads.repository';

/** Who acts in the inbox: the credential's subject (`user:<id>`) and, for a person, the user id. */
export interface Actor {
  readonly subject: string;
  readonly userId: string | undefined;
  /** A partner application's name (people's names come from the team). */
  readonly appName?: string | undefined;
}

export interface InboxQuery {
  locationId?: string | undefined;
  status?: 'open' | 'closed' | undefined;
  urgent?: boolean | undefined;
  assignee?: 'me' | 'none' | string | undefined;
  search?: string | undefined;
  order: InboxOrder;
  limit: number;
  cursor?: string | undefined;
}

/** The business's names for a location (never its slug), for the list and the thread. */
const names = (l: LocationProfile | undefined) => ({
  locationName: l?.locationName ?? null,
  brandName: l?.brandName ?? null,
});

/** What operators do in the inbox: find threads, read one, reply as the business, assign, close, book. */
@Injectable()
export class InboxService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
    private readonly conversation: ConversationService,
    private readonly leads: LeadRecorder,
  ) {}

  /** One page of threads and the cursor of the next (null: this was the last). */
  async list(scope: TenantScope, actor: Actor, q: InboxQuery) {
    const decoded = q.cursor ? decodeInboxCursor(q.cursor, q.order) : undefined;
    if (decoded && !decoded.ok)
      throw new ConversationError('invalid-request', `cursor: ${decoded.reason}`);
    const filter: InboxFilter = {
      ...q,
      assignee: q.assignee === 'me' ? this.person(actor, 'assignee=me') : q.assignee,
      cursor: decoded?.ok ? decoded.cursor : undefined,
    };
    const rows = await inboxList.page(this.runtime.db, scope, filter);
    const last = rows.length === q.limit ? rows[rows.length - 1] : undefined;
    return {
      threads: rows.map(({ sortAt: _sortAt, ...row }) => ({
        ...row,
        ...names(this.directory.location(row.locationId)),
      })),
      nextCursor: last
        ? encodeInboxCursor({
            order: q.order,
            urgent: last.urgent,
            at: last.sortAt,
            id: last.threadId,
          })
        : null,
    };
  }

  /**
   * The thread as one moment saw it (one snapshot, never half of a change): its lead, messages
   * with their authors, notes, the reader's own draft, and what to know before typing (opt-out,
   * the customer's clock and quiet hours).
   */
  async get(scope: TenantScope, actor: Actor, threadId: string) {
    const view = await this.runtime.transaction(
      async (tx) => {
        const thread = await threads.byId(tx, scope, threadId);
        if (!thread) throw new ConversationError('not-found', `no thread ${threadId}`);
        const noteRows = await notes.ofThread(tx, scope, threadId);
        const ids = [thread.assignedTo, ...noteRows.map((n) => n.authorId.replace(/^user:/, ''))];
        const people = await team.names(
          tx,
          scope,
          ids.filter((i): i is string => !!i),
        );
        return {
          thread: {
            ...thread,
            assigneeName: thread.assignedTo ? (people.get(thread.assignedTo) ?? null) : null,
          },
          lead: await leads.ofThread(tx, scope, threadId),
          messages: await messages.ofThread(tx, scope, threadId),
          notes: noteRows.map((n) => ({
            ...n,
            authorName: people.get(n.authorId.replace(/^user:/, '')) ?? null,
          })),
          draft: (await drafts.of(tx, scope, threadId, actor.subject)) ?? null,
          escalation: await alerts.steps(tx, scope, threadId),
        };
      },
      { isolation: 'repeatable read' },
    );
    const location = this.directory.location(view.thread.locationId);
    return {
      ...view,
      thread: { ...view.thread, ...names(location) },
      customerClock: location
        ? customerClock(view.thread.customerNumber, location, this.runtime.clock.now())
        : null,
    };
  }

  /** A person replies as the business number: automation on this thread ends; their draft goes. */
  async reply(
    scope: TenantScope,
    actor: Actor,
    threadId: string,
    text: string,
    requestId?: string,
  ): Promise<{ replyRequested: true; messageId: string }> {
    const thread = await this.existing(scope, threadId);
    const location = this.directory.location(thread.locationId);
    if (!location)
      throw new ConversationError('not-found', `location ${thread.locationId} is not configured`);
    const messageId = await this.runtime.transaction(async (tx) => {
      // A request sent again (a partner's retry) is the reply it asked for the first time.
      const replyId = randomUUID();
      if (requestId) {
        const first = await messages.claimRequest(tx, scope, { requestId, threadId, replyId });
        if (first !== replyId) return first;
      }
      await threads.update(tx, scope, threadId, {
        kind: 'human-replied',
        author: actor.userId ?? null,
      });
      await this.conversation.requestText(
        tx,
        location,
        thread.customerNumber,
        text,
        'operator',
        replyId,
      );
      // In the thread at once: sent, delivered, or not sent and why, as the pipeline reports it.
      await messages.add(tx, scope, {
        messageId: replyId,
        threadId,
        direction: 'outbound',
        author: 'operator',
        authorId: actor.subject,
        purpose: 'operator',
        body: text,
        status: 'requested',
        at: null,
      });
      if (actor.appName) await messages.nameApp(tx, scope, actor.subject, actor.appName);
      await drafts.discard(tx, scope, threadId, actor.subject);
      await alerts.endWaiting(tx, scope, threadId);
      return replyId;
    });
    return { replyRequested: true, messageId };
  }

  /** Assigns to a member who works at the thread's location (`me`: the person asking), or nobody. */
  async assign(scope: TenantScope, actor: Actor, threadId: string, assignee: string | null) {
    const thread = await this.existing(scope, threadId);
    const userId = assignee === 'me' ? this.person(actor, 'assignee=me') : assignee;
    if (userId && userId !== actor.userId) {
      const member = await team.assignable(this.runtime.db, scope, userId, thread.locationId);
      if (!member)
        throw new ConversationError(
          'invalid-request',
          `assignee: ${userId} is not on the team of ${thread.locationId}`,
        );
    }
    await threads.update(this.runtime.db, scope, threadId, { kind: 'assigned', assignee: userId });
  }

  /**
   * Closes the thread as won or lost (with the reason). Lost marks its lead lost (a booked lead
   * stays booked); won books a lead not booked yet (its value unknown: reports count the average).
   */
  async close(
    scope: TenantScope,
    threadId: string,
    outcome: 'won' | 'lost',
    reason: string | null,
  ) {
    const thread = await this.existing(scope, threadId);
    await this.runtime.transaction(async (tx) => {
      await threads.update(tx, scope, threadId, { kind: 'closed', outcome, reason });
      await alerts.endWaiting(tx, scope, threadId);
      const lead = await this.leads.of(tx, scope, thread, 'engaged');
      if (lead.status === 'booked') return;
      await this.leads.change(tx, scope, lead, { status: outcome === 'won' ? 'booked' : 'lost' });
    });
  }

  /** The customer's name as the team noted it (null: forget it). */
  async name(scope: TenantScope, threadId: string, customerName: string | null): Promise<void> {
    if (!(await threads.update(this.runtime.db, scope, threadId, { kind: 'named', customerName })))
      throw new ConversationError('not-found', `no thread ${threadId}`);
  }

  /**
   * Time to first human reply, measured from the customer's first message, against the 5 / 15 /
   * 60 minute targets and the same day; by default over the last 30 days.
   */
  responseTimes(scope: TenantScope, since?: Date) {
    const from = since ?? new Date(this.runtime.clock.now().getTime() - 30 * 86_400_000);
    return threads.responseTimes(this.runtime.db, scope, from);
  }

  private person(actor: Actor, what: string): string {
    if (!actor.userId)
      throw new ConversationError('invalid-request', `${what} needs a person's credential`);
    return actor.userId;
  }

  private async existing(scope: TenantScope, threadId: string): Promise<ThreadRow> {
    const thread = await threads.byId(this.runtime.db, scope, threadId);
    if (!thread) throw new ConversationError('not-found', `no thread ${threadId}`);
    return thread;
  }
}
