import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Inject, Param, Post, Req, Res, type Type } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { Public } from '@textback/telemetry';
import { RUNTIME } from './bootstrap';
import { relayToGateway } from './gateway-relay';
import type { ServiceRuntime } from './runtime';

const Credential = z.strictObject({ credential: z.string().min(1).max(200) });

/**
 * A controller serving one page built by Vite (`dist/index.html` and hashed `dist/assets/*`)
 * under `route`; a 503 saying how to build it when it is not built. The page's sign-in, sign-out
 * and token requests go to its own origin and are relayed to the gateway (cookies, the CSRF
 * header and the client's address with them): the page never needs another origin, and its
 * script never holds more than a short-lived access token.
 */
export function builtPageController(route: string, dist: string, what: string): Type {
  @Public('page', 'the page itself; every figure on it comes from a guarded API')
  @Controller(route)
  class BuiltPageController {
    constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

    @Post('sign-in')
    @Public('credential-exchange', 'relayed to the gateway, which checks it')
    async signIn(@Req() req: Request, @Res() res: Response): Promise<void> {
      await relayToGateway(this.runtime, req, res, '/v1/auth/sign-in', {
        'content-type': req.headers['content-type'] ?? '',
        body: JSON.stringify(req.body ?? {}),
      });
    }

    /** An invitation accepted with the person's new password (`{invitation, password}`). */
    @Post('accept-invitation')
    @Public('credential-exchange', 'relayed to the gateway, which checks the invitation')
    async acceptInvitation(@Req() req: Request, @Res() res: Response): Promise<void> {
      await relayToGateway(this.runtime, req, res, '/v1/auth/invitations/accept', {
        'content-type': 'application/json',
        body: JSON.stringify(req.body ?? {}),
        noSession: true,
      });
    }

    /** A password reset link used (`{reset, password}`). */
    @Post('reset-password')
    @Public('credential-exchange', 'relayed to the gateway, which checks the reset link')
    async resetPassword(@Req() req: Request, @Res() res: Response): Promise<void> {
      await relayToGateway(this.runtime, req, res, '/v1/auth/password-reset', {
        'content-type': 'application/json',
        body: JSON.stringify(req.body ?? {}),
        noSession: true,
      });
    }

    /** Single sign-on: to the tenant's identity provider (`?tenant=`), through the gateway. */
    @Get('sso')
    @Public(
      'credential-exchange',
      "relayed to the gateway, which sends the browser to the tenant's provider",
    )
    async sso(@Req() req: Request, @Res() res: Response): Promise<void> {
      const tenant = typeof req.query['tenant'] === 'string' ? req.query['tenant'] : '';
      const page = `/${route}?tenant=${encodeURIComponent(tenant)}`;
      const start = new URLSearchParams({
        tenant,
        redirect_uri: `${req.protocol}://${req.get('host') ?? ''}/${route}/sso/callback`,
        return_to: page,
      });
      await relayToGateway(this.runtime, req, res, `/v1/auth/sso/start?${start.toString()}`, {
        method: 'GET',
        noSession: true,
        errorsTo: page,
      });
    }

    /** The provider sends the browser back here; the gateway opens the session. */
    @Get('sso/callback')
    @Public('credential-exchange', "relayed to the gateway, which checks the provider's answer")
    async ssoCallback(@Req() req: Request, @Res() res: Response): Promise<void> {
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      await relayToGateway(this.runtime, req, res, `/v1/auth/sso/callback${query}`, {
        method: 'GET',
        errorsTo: `/${route}`,
      });
    }

    @Post('sign-out')
    @Public('credential-exchange', 'relayed to the gateway, which checks the session')
    async signOut(@Req() req: Request, @Res() res: Response): Promise<void> {
      await relayToGateway(this.runtime, req, res, '/v1/auth/sign-out', {});
    }

    /**
     * An access token for the page: from its session (cookie + `X-CSRF-Token`), or from a
     * credential it was given (`{credential}`: a refresh token or an API key, for tools).
     */
    @Post('token')
    @Public('credential-exchange', 'relayed to the gateway, which checks it')
    async token(@Req() req: Request, @Res() res: Response): Promise<void> {
      const given = Credential.safeParse(req.body);
      if (!given.success) {
        await relayToGateway(this.runtime, req, res, '/v1/auth/session/token', {});
        return;
      }
      const credential = given.data.credential;
      const refresh = credential.startsWith('txr_');
      await relayToGateway(this.runtime, req, res, '/v1/auth/token', {
        'content-type': 'application/x-www-form-urlencoded',
        ...(refresh ? {} : { authorization: `Bearer ${credential}` }),
        body: refresh
          ? new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: credential,
            }).toString()
          : '',
        noSession: true,
      });
    }

    @Get()
    page(@Res() res: Response): void {
      const index = join(dist, 'index.html');
      if (!existsSync(index)) {
        res.status(503).json({
          error: 'not-built',
          message: `${what} is not built: run \`bash tools/run.sh web\``,
        });
        return;
      }
      res.sendFile(index);
    }

    @Get('assets/:file')
    asset(@Param('file') file: string, @Res() res: Response): void {
      if (!/^[\w.-]+\.(js|css|svg|png|woff2?)$/.test(file)) {
        res.status(404).end();
        return;
      }
      res.sendFile(join(dist, 'assets', file), { maxAge: '1y', immutable: true }, (err) => {
        if (err && !res.headersSent) res.status(404).end();
      });
    }
  }
  return BuiltPageController;
}
