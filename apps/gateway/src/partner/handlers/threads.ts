import { Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { pageToken } from '@textback/domain';
import {
  MessageDirection,
  ThreadService,
  ThreadState,
  type MessageSchema,
  type ThreadSchema,
} from '@textback/contracts/partner';
import { PartnerError } from '../partner-errors';
import { grantedLocation, idsOf, requestUuid, rpc, type PartnerCall } from '../partner-method';
import { PeerServices } from '../peers';
import { pageParams } from './paging';

/** A thread as conversation's inbox API answers (dates as ISO strings). */
export interface InboxThread {
  threadId: string;
  locationId: string;
  customerNumber: string;
  customerName: string | null;
  status: 'open' | 'closed';
  urgent: boolean;
  optedOut: boolean;
  assigneeName: string | null;
  createdAt?: string;
  lastMessageAt: string;
}
interface InboxMessage {
  messageId: string;
  direction: 'inbound' | 'outbound';
  authorName: string | null;
  body: string | null;
  status: string;
  at: string;
}
export interface InboxThreadView {
  thread: InboxThread;
  lead: unknown;
  messages: InboxMessage[];
}

const at = (iso: string | undefined) => (iso ? timestampFromDate(new Date(iso)) : undefined);

function threadOf(tenantId: string, t: InboxThread): MessageInitShape<typeof ThreadSchema> {
  return {
    name: `tenants/${tenantId}/threads/${t.threadId}`,
    location: `tenants/${tenantId}/locations/${t.locationId}`,
    customerNumber: t.customerNumber,
    customerName: t.customerName ?? '',
    state: t.status === 'open' ? ThreadState.OPEN : ThreadState.CLOSED,
    urgent: t.urgent,
    optedOut: t.optedOut,
    assigneeDisplayName: t.assigneeName ?? '',
    ...(t.createdAt ? { createTime: at(t.createdAt) } : {}),
    lastMessageTime: at(t.lastMessageAt),
  };
}

function messageOf(thread: string, m: InboxMessage): MessageInitShape<typeof MessageSchema> {
  return {
    name: `${thread}/messages/${m.messageId}`,
    direction: m.direction === 'inbound' ? MessageDirection.INBOUND : MessageDirection.OUTBOUND,
    text: m.body ?? '',
    authorDisplayName: m.authorName ?? '',
    deliveryState: m.status === 'requested' ? 'queued' : m.status,
    createTime: at(m.at),
  };
}

/** Conversations, read and written through conversation's inbox API (one implementation). */
@Injectable()
export class ThreadHandlers {
  constructor(private readonly peers: PeerServices) {}

  /** One thread with its lead and messages, as the grant may see it (404 outside it). */
  async view(call: PartnerCall, name: string, field = 'name'): Promise<InboxThreadView> {
    const [, threadId] = idsOf(field, name, 'tenants/*/threads/*');
    return this.peers.call<InboxThreadView>(call, 'conversation', 'inbox:read', {
      path: `/v1/inbox/threads/${threadId}`,
      query: { tenantId: call.tenantId },
    });
  }

  readonly methods = {
    listThreads: rpc(ThreadService.method.listThreads, 'threads:read', async (req, call) => {
      const locationId = req.location ? grantedLocation(call, 'location', req.location) : undefined;
      const status = {
        [ThreadState.UNSPECIFIED]: undefined,
        [ThreadState.OPEN]: 'open',
        [ThreadState.CLOSED]: 'closed',
      }[req.state];
      const { size, after, query } = pageParams('ListThreads', call, req, { locationId, status });
      const page = await this.peers.call<{ threads: InboxThread[]; nextCursor: string | null }>(
        call,
        'conversation',
        'inbox:read',
        {
          path: '/v1/inbox/threads',
          query: { tenantId: call.tenantId, locationId, status, limit: size, cursor: after },
        },
      );
      return {
        threads: page.threads.map((t) => threadOf(call.tenantId, t)),
        nextPageToken: page.nextCursor ? pageToken(query, page.nextCursor) : '',
      };
    }),

    getThread: rpc(ThreadService.method.getThread, 'threads:read', async (req, call) =>
      threadOf(call.tenantId, (await this.view(call, req.name)).thread),
    ),

    listMessages: rpc(ThreadService.method.listMessages, 'threads:read', async (req, call) => ({
      messages: (await this.view(call, req.parent, 'parent')).messages.map((m) =>
        messageOf(req.parent, m),
      ),
    })),

    createMessage: rpc(
      ThreadService.method.createMessage,
      'messages:write',
      async (req, call) => {
        const [, threadId] = idsOf('parent', req.parent, 'tenants/*/threads/*');
        const text = req.message?.text ?? '';
        if (text.trim() === '')
          throw new PartnerError('invalid-request', 'message.text: must not be blank', {
            fields: [{ field: 'message.text', description: 'must not be blank' }],
          });
        // A customer who opted out is refused here, clearly; the send checks consent again.
        if ((await this.view(call, req.parent, 'parent')).thread.optedOut)
          throw new PartnerError(
            'opted-out',
            'the customer opted out (STOP): nothing is texted to them until they text START',
          );
        const sent = await this.peers.call<{ messageId: string }>(
          call,
          'conversation',
          'inbox:write',
          {
            path: `/v1/inbox/threads/${threadId}/reply`,
            query: { tenantId: call.tenantId },
            body: { text, ...(requestUuid(call) ? { requestId: requestUuid(call) } : {}) },
          },
        );
        return messageOf(req.parent, {
          messageId: sent.messageId,
          direction: 'outbound',
          authorName: call.access.displayName ?? null,
          body: text.trim(),
          status: 'requested',
          at: '',
        });
      },
      true,
    ),
  };
}
