import { Controller, Get, HttpCode, Inject, Query, Req, Res } from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  Audited,
  edge,
  Public,
  RUNTIME,
  type ServiceRuntime,
  ZodPipe,
} from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { setSessionCookies } from '../sign-in/sign-in.controller';
import { SingleSignOnService } from './sso.service';

/** Binds a single sign-on to the browser that started it (HttpOnly; sent back on the redirect). */
export const SSO_COOKIE = 'tb_sso';

const Start = z.strictObject({
  tenant: edge.tenantId,
  /** Where the provider sends the browser back: a page's `…/sso/callback` (registered there too). */
  redirect_uri: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(500)
    .refine((u) => new URL(u).pathname.endsWith('/sso/callback'), 'must end in /sso/callback'),
  /** Where the browser goes once signed in: a path on this site, never another site. */
  return_to: z
    .string()
    .max(300)
    .regex(/^\/(?![/\\])[^\s\\]*$/, 'must be a path on this site')
    .default('/'),
});

/**
 * Single sign-on through a tenant's OpenID provider, for the pages (which relay these two
 * routes from their own origin): start sends the browser to the provider, callback opens a
 * session when the provider sends it back.
 */
@Controller('v1/auth/sso')
export class SingleSignOnController {
  constructor(
    private readonly sso: SingleSignOnService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
  ) {}

  @Get('start')
  @HttpCode(302)
  @Public('credential-exchange', 'sends the browser to the tenant’s identity provider')
  async start(
    @Query(new ZodPipe(Start)) q: z.infer<typeof Start>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const started = await this.sso.start(q.tenant, q.redirect_uri, q.return_to);
    res.cookie(SSO_COOKIE, started.state, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.runtime.config.SESSION_COOKIE_SECURE,
      path: '/',
      maxAge: 10 * 60_000,
    });
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, started.url);
  }

  @Get('callback')
  @Audited('every single sign-on, and every refused one')
  @Public('credential-exchange', 'checks the provider’s code, state, nonce and ID token')
  async callback(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const bound = parseCookies(req.headers.cookie ?? '')[SSO_COOKIE];
    res.clearCookie(SSO_COOKIE, { path: '/' });
    res.setHeader('cache-control', 'no-store');
    const done = await this.sso.finish(query, bound, {
      address: req.ip ?? 'unknown',
      userAgent: req.headers['user-agent'],
    });
    setSessionCookies(res, done.signedIn, this.runtime.config.SESSION_COOKIE_SECURE);
    res.redirect(302, done.returnTo);
  }
}
