import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import type { TenantId } from '@textback/contracts';
import type { TenantScope } from '@textback/persistence';
import type { Access, Permission } from '@textback/auth';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  parseRequest,
  Requires,
  scopeFor,
  ZodPipe,
  requireKnownTenant,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { InboxService, type Actor } from './inbox.service';
import {
  Assign,
  Book,
  Close,
  Name,
  Reply,
  ResponseTimesQuery,
  Stage,
  TenantQuery,
  ThreadsQuery,
} from './threads.requests';
import { LeadActions } from './lead-actions';

/** Who acts: the credential's subject, and the person's user id when it is a person's. */
export function actorOf(access: Access): Actor {
  return {
    subject: access.subject,
    userId: access.kind === 'user' ? access.subject.replace(/^user:/, '') : undefined,
    appName: access.kind === 'client' ? access.displayName : undefined,
  };
}

const threadId = new ZodPipe(edge.uuid, 'threadId');
const tenantQuery = new ZodPipe(TenantQuery);

/**
 * The operator inbox API: threads filtered, searched and paged; one thread with its messages,
 * notes and the reader's draft; reply, assign, name, close, book.
 */
@Controller('v1/inbox')
@UseGuards(AccessGuard)
export class InboxController {
  constructor(
    private readonly threads: InboxService,
    private readonly leads: LeadActions,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  @Get('threads')
  @Requires('inbox:read')
  list(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(ThreadsQuery)) q: z.infer<typeof ThreadsQuery>,
  ) {
    const { tenantId: _tenant, q: search, ...filter } = q;
    return this.threads.list(this.scope(access, 'inbox:read', q), actorOf(access), {
      ...filter,
      search,
    });
  }

  @Get('threads/:threadId')
  @Requires('inbox:read')
  get(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
  ) {
    return this.threads.get(this.scope(access, 'inbox:read', q), actorOf(access), id);
  }

  @Post('threads/:threadId/reply')
  @HttpCode(202)
  @Requires('inbox:write')
  reply(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Reply)) r: z.infer<typeof Reply>,
  ) {
    return this.threads.reply(
      this.scope(access, 'inbox:write', q),
      actorOf(access),
      id,
      r.text.trim(),
      r.requestId,
    );
  }

  @Post('threads/:threadId/assign')
  @HttpCode(204)
  @Requires('inbox:write')
  assign(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Assign)) a: z.infer<typeof Assign>,
  ) {
    return this.threads.assign(
      this.scope(access, 'inbox:write', q),
      actorOf(access),
      id,
      a.assignee,
    );
  }

  /** The customer's name as the team knows it (searchable; `{{customerName}}` in canned replies). */
  @Put('threads/:threadId/customer-name')
  @HttpCode(204)
  @Requires('inbox:write')
  name(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Name)) n: z.infer<typeof Name>,
  ) {
    return this.threads.name(this.scope(access, 'inbox:write', q), id, n.customerName);
  }

  @Post('threads/:threadId/close')
  @HttpCode(204)
  @Requires('inbox:write')
  close(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body() body: unknown,
  ) {
    const c = parseRequest(Close, body ?? {});
    return this.threads.close(
      this.scope(access, 'inbox:write', q),
      id,
      c.outcome,
      c.reason ?? null,
    );
  }

  /** The locations the reader may see, by the business's names (the inbox's location filter). */
  @Get('locations')
  @Requires('inbox:read')
  locations(@CurrentAccess() access: Access, @Query(tenantQuery) q: z.infer<typeof TenantQuery>) {
    const scope = this.scope(access, 'inbox:read', q);
    return this.directory
      .all()
      .filter((l) => l.tenantId === scope.tenantId && l.active)
      .filter((l) => scope.locationIds === 'all' || scope.locationIds.includes(l.locationId))
      .map((l) => ({ locationId: l.locationId, locationName: l.locationName }))
      .sort((a, b) => a.locationName.localeCompare(b.locationName));
  }

  /** Time to first human reply against the 5 / 15 / 60 minute targets and the same day. */
  @Get('response-times')
  @Requires('inbox:read')
  responseTimes(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(ResponseTimesQuery)) q: z.infer<typeof ResponseTimesQuery>,
  ) {
    // Default: the last 30 days.
    return this.threads.responseTimes(this.scope(access, 'inbox:read', q), q.since);
  }

  @Post('threads/:threadId/book')
  @Requires('inbox:write')
  book(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Book)) b: z.infer<typeof Book>,
  ) {
    return this.leads.book(this.scope(access, 'inbox:write', q), id, b.value);
  }

  @Put('threads/:threadId/lead/stage')
  @Requires('inbox:write')
  leadStage(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(tenantQuery) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Stage)) b: z.infer<typeof Stage>,
  ) {
    return this.leads.setStage(this.scope(access, 'inbox:write', q), id, b.stage);
  }

  /** The credential's scope within the tenant the request names (403 for another tenant). */
  private scope(access: Access, permission: Permission, q: { tenantId: TenantId }): TenantScope {
    const scope = scopeFor(access, permission, q.tenantId);
    requireKnownTenant(this.directory, q.tenantId);
    return scope;
  }
}
