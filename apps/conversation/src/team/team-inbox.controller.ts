import {
  Body,
  Controller,
  Delete,
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
import type { Access } from '@textback/auth';
import type { LocationId, TenantId } from '@textback/contracts';
import { cannedReplyVariables, unknownCannedVariables } from '@textback/domain';
import type { TenantScope } from '@textback/persistence';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  Requires,
  requireKnownTenant,
  scopeFor,
  scopeForLocation,
  ZodPipe,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { ConversationError } from '../errors';
import { actorOf } from '../threads/threads.controller';
import { TeamInboxService } from './team-inbox.service';

const TenantQuery = z.strictObject({ tenantId: edge.tenantId });
const TeamQuery = z.strictObject({
  tenantId: edge.tenantId,
  locationId: edge.locationId.optional(),
});
const threadId = new ZodPipe(edge.uuid, 'threadId');
const replyId = new ZodPipe(edge.uuid, 'replyId');
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((t) => t.trim().length > 0, 'must not be blank');
const Note = z.strictObject({ text: text(2000) });
/** A draft as typed (blank: no draft). */
const Draft = z.strictObject({ text: z.string().max(1600) });
const CannedReply = z.strictObject({
  /** Absent: every location of the brand. */
  locationId: edge.locationId.optional(),
  title: edge.name,
  text: text(1600).superRefine((t, ctx) => {
    const unknown = unknownCannedVariables(t);
    if (unknown.length > 0)
      ctx.addIssue({
        code: 'custom',
        message: `unknown variable {{${unknown.join('}}, {{')}}}; use ${cannedReplyVariables.map((v) => `{{${v}}}`).join(', ')}`,
      });
  }),
});
type CannedReply = z.infer<typeof CannedReply>;

/** The team's side of the inbox: the team, notes, drafts and canned replies. */
@Controller('v1/inbox')
@UseGuards(AccessGuard)
export class TeamInboxController {
  constructor(
    private readonly inbox: TeamInboxService,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  /** The people who may be assigned (of one location, or of all the credential's). */
  @Get('team')
  @Requires('inbox:read')
  team(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(TeamQuery)) q: z.infer<typeof TeamQuery>,
  ) {
    requireKnownTenant(this.directory, q.tenantId);
    return this.inbox.team(
      q.locationId
        ? scopeForLocation(access, 'inbox:read', q.tenantId, q.locationId)
        : scopeFor(access, 'inbox:read', q.tenantId),
    );
  }

  /** An internal note: the team reads it, the customer never does. */
  @Post('threads/:threadId/notes')
  @Requires('inbox:write')
  addNote(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Note)) n: z.infer<typeof Note>,
  ) {
    return this.inbox.addNote(
      this.scope(access, 'inbox:write', q.tenantId),
      actorOf(access),
      id,
      n.text.trim(),
    );
  }

  /** The reader's own unsent reply to this thread, kept until sent or cleared. */
  @Put('threads/:threadId/draft')
  @HttpCode(204)
  @Requires('inbox:write')
  saveDraft(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(Draft)) d: z.infer<typeof Draft>,
  ) {
    return this.inbox.saveDraft(
      this.scope(access, 'inbox:write', q.tenantId),
      actorOf(access),
      id,
      d.text,
    );
  }

  /** The canned replies this thread may use, filled in for its customer and the reader. */
  @Get('threads/:threadId/canned-replies')
  @Requires('inbox:read')
  cannedFor(
    @CurrentAccess() access: Access,
    @Param('threadId', threadId) id: string,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
  ) {
    return this.inbox.cannedFor(this.scope(access, 'inbox:read', q.tenantId), actorOf(access), id);
  }

  @Get('canned-replies')
  @Requires('inbox:read')
  cannedReplies(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(TeamQuery)) q: z.infer<typeof TeamQuery>,
  ) {
    return this.inbox.cannedReplies(this.scope(access, 'inbox:read', q.tenantId), q.locationId);
  }

  /** The brand's replies are its settings; a location's, its manager's. */
  @Post('canned-replies')
  @Requires('locations:write')
  addCannedReply(
    @CurrentAccess() access: Access,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
    @Body(new ZodPipe(CannedReply)) r: CannedReply,
  ) {
    return this.inbox.addCannedReply(
      this.manage(access, q.tenantId, r.locationId),
      actorOf(access),
      {
        locationId: r.locationId ?? null,
        title: r.title,
        body: r.text.trim(),
      },
    );
  }

  @Delete('canned-replies/:replyId')
  @HttpCode(204)
  @Requires('locations:write')
  async removeCannedReply(
    @CurrentAccess() access: Access,
    @Param('replyId', replyId) id: string,
    @Query(new ZodPipe(TenantQuery)) q: z.infer<typeof TenantQuery>,
  ) {
    // Only people who manage canned replies learn whether one exists.
    const scope = this.manage(access, q.tenantId, undefined, 'locations:write');
    const reply = await this.inbox.cannedReply(scope, id);
    if (!reply) throw new ConversationError('not-found', `no canned reply ${id}`);
    await this.inbox.removeCannedReply(
      this.manage(access, q.tenantId, reply.locationId ?? undefined),
      id,
    );
  }

  /** Managing a canned reply: the brand's settings for the brand's, a location's for its own. */
  private manage(
    access: Access,
    tenantId: TenantId,
    locationId: LocationId | undefined,
    brandWide: 'tenant:settings' | 'locations:write' = 'tenant:settings',
  ): TenantScope {
    requireKnownTenant(this.directory, tenantId);
    return locationId
      ? scopeForLocation(access, 'locations:write', tenantId, locationId)
      : scopeFor(access, brandWide, tenantId);
  }

  private scope(access: Access, permission: 'inbox:read' | 'inbox:write', tenantId: TenantId) {
    requireKnownTenant(this.directory, tenantId);
    return scopeFor(access, permission, tenantId);
  }
}
