import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { renderCannedReply } from '@textback/domain';
import type { TenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { ConversationError } from '../errors';
import type { Actor } from '../threads/inbox.service';
import { threadRepository as threads } from '../threads/threads.repository';
import { cannedRepliesRepository as canned } from './canned-replies.repository';
import { draftsRepository as drafts } from './drafts.repository';
import { notesRepository as notes } from './notes.repository';
import { teamRepository as team } from './team.repository';

/** The team's side of the inbox: who is on it, internal notes, drafts, canned replies. */
@Injectable()
export class TeamInboxService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  /** The people who may be assigned threads of the scope's locations. */
  team(scope: TenantScope) {
    return team.members(this.runtime.db, scope);
  }

  async addNote(scope: TenantScope, actor: Actor, threadId: string, body: string) {
    const noteId = randomUUID();
    const added = await notes.add(this.runtime.db, scope, {
      noteId,
      threadId,
      authorId: actor.subject,
      body,
    });
    if (!added) throw new ConversationError('not-found', `no thread ${threadId}`);
    return { noteId };
  }

  async saveDraft(scope: TenantScope, actor: Actor, threadId: string, body: string) {
    const saved =
      body.trim() === ''
        ? (await drafts.discard(this.runtime.db, scope, threadId, actor.subject), true)
        : await drafts.save(this.runtime.db, scope, { threadId, userId: actor.subject, body });
    if (!saved) throw new ConversationError('not-found', `no thread ${threadId}`);
  }

  /** The replies a thread may use, rendered for its customer and the person about to send. */
  async cannedFor(scope: TenantScope, actor: Actor, threadId: string) {
    const thread = await threads.byId(this.runtime.db, scope, threadId);
    if (!thread) throw new ConversationError('not-found', `no thread ${threadId}`);
    const location = this.directory.location(thread.locationId);
    if (!location)
      throw new ConversationError('not-found', `location ${thread.locationId} is not configured`);
    const [replies, me] = await Promise.all([
      canned.list(this.runtime.db, scope, thread.locationId),
      actor.userId ? team.names(this.runtime.db, scope, [actor.userId]) : new Map<string, string>(),
    ]);
    return replies.map((r) => ({
      replyId: r.replyId,
      title: r.title,
      text: renderCannedReply(r.body, {
        location,
        customerName: thread.customerName,
        agentName: actor.userId ? (me.get(actor.userId) ?? null) : null,
      }),
    }));
  }

  cannedReplies(scope: TenantScope, locationId?: string) {
    return canned.list(this.runtime.db, scope, locationId);
  }

  async addCannedReply(
    scope: TenantScope,
    actor: Actor,
    r: { locationId: string | null; title: string; body: string },
  ) {
    const replyId = randomUUID();
    const added = await canned.add(this.runtime.db, scope, {
      replyId,
      ...r,
      createdBy: actor.subject,
    });
    if (!added)
      throw new ConversationError(
        'conflict',
        `a canned reply titled "${r.title}" exists ${r.locationId ? `for ${r.locationId}` : 'for the brand'}`,
      );
    return { replyId };
  }

  /** The reply, when the scope may see it (for the caller's permission check by its level). */
  cannedReply(scope: TenantScope, replyId: string) {
    return canned.byId(this.runtime.db, scope, replyId);
  }

  async removeCannedReply(scope: TenantScope, replyId: string): Promise<void> {
    if (!(await canned.remove(this.runtime.db, scope, replyId)))
      throw new ConversationError('not-found', `no canned reply ${replyId}`);
  }
}
