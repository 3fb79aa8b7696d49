import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
  type Type,
} from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { Public } from '@textback/telemetry';
import { RUNTIME } from './bootstrap';
import { ServiceError } from './errors';
import type { ServiceRuntime } from './runtime';
import { ZodPipe } from './validation';

class AuthUnavailableError extends ServiceError<'auth-unavailable'> {}

const SignIn = z.strictObject({ credential: z.string().min(1).max(200) });

/**
 * A controller serving one page built by Vite (`dist/index.html` and hashed `dist/assets/*`)
 * under `route`; a 503 saying how to build it when it is not built. `POST <route>/token` passes
 * the person's credential (a refresh token or an API key) to the gateway's token endpoint from
 * the page's own origin; the page holds the short-lived access token in memory only.
 */
export function builtPageController(route: string, dist: string, what: string): Type {
  @Public('page', 'the page itself; every figure on it comes from a guarded API')
  @Controller(route)
  class BuiltPageController {
    constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

    @Post('token')
    @HttpCode(200)
    @Public('credential-exchange', 'passed to the gateway, which checks it')
    async token(
      @Body(new ZodPipe(SignIn)) body: z.infer<typeof SignIn>,
      @Res() res: Response,
    ): Promise<void> {
      const url = this.runtime.tokenUrl();
      if (!url) throw new AuthUnavailableError('auth-unavailable', 'no gateway configured');
      const refresh = body.credential.startsWith('txr_');
      const answer = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(refresh ? {} : { authorization: `Bearer ${body.credential}` }),
        },
        body: refresh
          ? new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: body.credential,
            }).toString()
          : '',
        signal: AbortSignal.timeout(5_000),
      }).catch(() => {
        throw new AuthUnavailableError('auth-unavailable', 'the gateway did not answer');
      });
      res
        .status(answer.status)
        .setHeader('cache-control', 'no-store')
        .type('json')
        .send(await answer.text());
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
