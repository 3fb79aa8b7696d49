import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Access } from '@textback/auth';
import {
  Audited,
  AccessGuard,
  CurrentAccess,
  edge,
  ForbiddenError,
  Public,
  RUNTIME,
  type ServiceRuntime,
  UnauthorizedError,
  ZodPipe,
} from '@textback/service-kit';
import { TokenService } from '../auth/token.service';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { SecondFactorService } from './second-factor.service';
import { SignInService } from './sign-in.service';

/** The session cookie (HttpOnly) and the CSRF cookie the page's script reads and echoes. */
export const SESSION_COOKIE = 'tb_session';
export const CSRF_COOKIE = 'tb_csrf';

const SignInForm = z.strictObject({
  email: z.email({ error: 'must be an email address' }).max(254),
  password: z.string().min(1, 'is required').max(256),
  totp: z.string().max(10).optional(),
  tenantId: edge.tenantId.optional(),
});
const Code = z.strictObject({ code: z.string().regex(/^\d{6}$/, 'six digits') });
const NewPassword = z.strictObject({ password: z.string().max(256) });

/**
 * Signing in for the pages: a session cookie (HttpOnly, SameSite=Lax, Secure in production) and
 * a CSRF token; the page trades the session for a short-lived access token (`session/token`,
 * the CSRF token in `X-CSRF-Token`) and calls the APIs with it. A person's own sessions, password
 * and second factor; APIs keep bearer tokens.
 */
@Controller('v1/auth')
export class SignInController {
  constructor(
    private readonly signIn: SignInService,
    private readonly secondFactor: SecondFactorService,
    private readonly tokens: TokenService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
  ) {}

  @Post('sign-in')
  @Audited('every sign-in, and every failed one')
  @HttpCode(200)
  @Public('credential-exchange', 'checks the password it is given; throttled')
  async signInWith(
    @Req() req: Request,
    @Body(new ZodPipe(SignInForm)) form: z.infer<typeof SignInForm>,
    @Res({ passthrough: true }) res: Response,
  ) {
    // A cross-site form cannot send JSON without a preflight: no login CSRF.
    if (!req.is('application/json'))
      throw new GatewayError('invalid-request', 'send the sign-in as application/json');
    const done = await this.signIn.signIn(form, {
      address: req.ip ?? 'unknown',
      userAgent: req.headers['user-agent'],
    });
    setSessionCookies(res, done, this.runtime.config.SESSION_COOKIE_SECURE);
    res.setHeader('cache-control', 'no-store');
    return {
      sessionId: done.sessionId,
      userId: done.userId,
      tenantId: done.tenantId,
      csrfToken: done.csrfToken,
      expiresAt: done.expiresAt.toISOString(),
    };
  }

  /** The session (cookie + CSRF token) exchanged for an access token, as `/v1/auth/token` answers. */
  @Post('session/token')
  @Audited('a session trades for a token (a missing or wrong CSRF token shows here)')
  @HttpCode(200)
  @Public('credential-exchange', 'checks the session cookie and its CSRF token')
  async sessionToken(
    @Req() req: Request,
    @Headers('x-csrf-token') csrf: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { access, secondFactorRequired } = await this.signIn.accessOf(sessionOf(req), csrf);
    const { accessToken, expiresIn } = await this.tokens.issue(access);
    res.setHeader('cache-control', 'no-store');
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      // The tenant requires a second factor this person has not set up: the token only sets it up.
      ...(secondFactorRequired ? { second_factor_required: true } : {}),
    };
  }

  @Post('sign-out')
  @Audited('a session ends')
  @HttpCode(204)
  @Public('credential-exchange', 'ends the session its cookie names (CSRF token checked)')
  async signOut(
    @Req() req: Request,
    @Headers('x-csrf-token') csrf: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.signIn.signOut(sessionOf(req), csrf);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.clearCookie(CSRF_COOKIE, { path: '/' });
  }

  @Get('sessions')
  @UseGuards(AccessGuard)
  sessions(@CurrentAccess() access: Access) {
    return this.signIn.sessions(userOf(access));
  }

  @Delete('sessions/:sessionId')
  @UseGuards(AccessGuard)
  @HttpCode(204)
  async revoke(
    @CurrentAccess() access: Access,
    @Param(
      'sessionId',
      new ZodPipe(z.string().regex(/^[a-f0-9]{16}$/, 'not a session id'), 'sessionId'),
    )
    sessionId: string,
  ): Promise<void> {
    await this.signIn.revokeSession(userOf(access), sessionId);
  }

  @Post('password')
  @UseGuards(AccessGuard)
  @HttpCode(204)
  async setPassword(
    @CurrentAccess() access: Access,
    @Body(new ZodPipe(NewPassword)) body: z.infer<typeof NewPassword>,
  ): Promise<void> {
    await this.signIn.setPassword(userOf(access), body.password);
  }

  /** Starts TOTP enrollment (the secret is shown this once, as an otpauth:// URI for a QR code). */
  @Post('totp')
  @UseGuards(AccessGuard)
  enrollTotp(@CurrentAccess() access: Access) {
    return this.secondFactor.enroll(userOf(access));
  }

  @Post('totp/confirm')
  @UseGuards(AccessGuard)
  @HttpCode(204)
  async confirmTotp(
    @CurrentAccess() access: Access,
    @Body(new ZodPipe(Code)) body: z.infer<typeof Code>,
  ): Promise<void> {
    await this.secondFactor.confirm(userOf(access), body.code);
  }
}

/** A new session's cookies: the session itself (HttpOnly) and the CSRF token the page echoes. */
export function setSessionCookies(
  res: Response,
  signedIn: { session: string; csrfToken: string; expiresAt: Date },
  secure: boolean,
): void {
  const cookie = { sameSite: 'lax', secure, path: '/', expires: signedIn.expiresAt } as const;
  res.cookie(SESSION_COOKIE, signedIn.session, { ...cookie, httpOnly: true });
  res.cookie(CSRF_COOKIE, signedIn.csrfToken, cookie);
}

function sessionOf(req: Request): string {
  const session = parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
  if (!session) throw new UnauthorizedError('unauthorized', 'not signed in (no session cookie)');
  return session;
}

/** The person a token stands for: only a person has sessions, a password and a second factor. */
export function userOf(access: Access): string {
  if (access.kind !== 'user') throw new ForbiddenError('forbidden', 'only a person signs in');
  return access.subject.replace(/^user:/, '');
}
