import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { TenantId } from '@textback/contracts';
import type { TenantScope } from '@textback/persistence';
import {
  edge,
  every,
  Public,
  RUNTIME,
  scopeFor,
  type ServiceRuntime,
  sessionAccess,
  ZodPipe,
} from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { InboxChanges, type InboxChange } from './inbox-changes';

const StreamQuery = z.strictObject({
  tenant: edge.tenantId,
  /** The session's CSRF token (a browser stream cannot send headers). */
  csrf: z.string().min(1).max(200),
});

/**
 * The inbox's live updates (Server-Sent Events): "this thread changed" for the threads the
 * signed-in person may read, pushed as PostgreSQL announces them on any replica. Authorized by
 * the page's session — checked when the stream opens and again every `STREAM_RECHECK_SECONDS`
 * (always within a token's lifetime); a session that ended, or access that went, closes it.
 */
@Controller('inbox')
export class InboxStreamController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
    private readonly changes: InboxChanges,
  ) {}

  @Get('events')
  @Public('session-stream', 'the session cookie and CSRF token are checked at the gateway')
  async events(
    @Req() req: Request,
    @Res() res: Response,
    @Query(new ZodPipe(StreamQuery)) q: z.infer<typeof StreamQuery>,
  ): Promise<void> {
    const cookie = req.headers.cookie;
    let scope = await this.scopeOf(cookie, q.tenant, q.csrf);
    const send = (event: string, data: object): boolean =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // Listening before the answer starts: a failure here is still an ordinary error response.
    const unsubscribe = await this.changes.subscribe((c: InboxChange) => {
      const mine = scope.locationIds;
      if (c.tenantId !== scope.tenantId) return;
      if (mine !== 'all' && !(mine as readonly string[]).includes(c.locationId)) return;
      send('change', { threadId: c.threadId, locationId: c.locationId });
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    send('ready', { tenantId: q.tenant });
    // One stream, two timers: a comment line keeps proxies from closing it; the session check
    // ends it when access does.
    const heartbeat = every(this.runtime, 'inbox-stream-heartbeat', 25_000, () => {
      res.write(': still here\n\n');
      return Promise.resolve();
    });
    const recheck = every(
      this.runtime,
      'inbox-stream-recheck',
      this.runtime.config.STREAM_RECHECK_SECONDS * 1000,
      async () => {
        try {
          scope = await this.scopeOf(cookie, q.tenant, q.csrf);
        } catch (err) {
          send('signed-out', { message: err instanceof Error ? err.message : 'signed out' });
          close();
        }
      },
    );
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      void heartbeat.stop();
      void recheck.stop();
      unsubscribe();
      res.end();
    };
    req.on('close', close);
  }

  /** What the session may read now: its token's locations at this tenant (401 or 403 when none). */
  private async scopeOf(
    cookie: string | undefined,
    tenant: TenantId,
    csrf: string,
  ): Promise<TenantScope> {
    const { access } = await sessionAccess(this.runtime, cookie, csrf);
    return scopeFor(access, 'inbox:read', tenant);
  }
}
