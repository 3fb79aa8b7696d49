import { Body, Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { bootstrapAccess, type Access } from '@textback/auth';
import {
  Audited,
  Public,
  RUNTIME,
  sameSecret,
  type ServiceRuntime,
  UnauthorizedError,
  ZodPipe,
} from '@textback/service-kit';
import { Inject } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { GatewayError } from '../errors';
import type { GatewayConfig } from '../config';
import { ClientsService } from '../identity/clients.service';
import { IdentityService } from '../identity/identity.service';
import { SessionsService } from '../identity/sessions.service';
import { PasswordResetService } from '../sign-in/password-reset.service';
import { SignInService } from '../sign-in/sign-in.service';
import { TokenService } from './token.service';

const credential = z.string().min(1).max(200);
/** RFC 6749 token requests (form or JSON); no grant type: the Bearer credential is exchanged. */
const TokenRequest = z.preprocess(
  (body) => body ?? {},
  z.object({
    grant_type: z
      .enum(['refresh_token', 'client_credentials'], {
        error: 'must be refresh_token or client_credentials',
      })
      .optional(),
    refresh_token: credential.optional(),
    client_id: credential.optional(),
    client_secret: credential.optional(),
    scope: z.string().max(2_000).optional(),
    /** Which granting tenant a client's token is for (needed when several granted it). */
    tenant_id: z.string().max(100).optional(),
  }),
);
const Invitation = z.strictObject({
  invitation: credential,
  /** The person's password, set as the invitation is accepted (the policy applies). */
  password: z.string().max(256).optional(),
});
const Reset = z.strictObject({ reset: credential, password: z.string().max(256) });
const Revocation = z.object({ token: credential });

/** Where services get the keys to verify tokens, and where a credential becomes a token. */
@Controller()
export class AuthController {
  constructor(
    private readonly tokens: TokenService,
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: SessionsService,
    private readonly clients: ClientsService,
    private readonly identity: IdentityService,
    private readonly signIn: SignInService,
    private readonly resets: PasswordResetService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
  ) {}

  /** The public halves of the signing keys (RFC 7517); services cache it and refetch on a new `kid`. */
  @Get('.well-known/jwks.json')
  @Public('discovery', 'public signing keys for verifying access tokens; no secret in it')
  jwks() {
    return this.tokens.jwks;
  }

  /**
   * A credential exchanged for a short-lived access token (RFC 6749 response): a user's refresh
   * token, a partner client's id and secret, or — as `Authorization: Bearer` — a tenant's API key
   * or the bootstrap admin key.
   */
  @Post('v1/auth/token')
  @HttpCode(200)
  @Public('credential-exchange', 'the credential presented is checked here')
  async token(
    @Headers('authorization') authorization: string | undefined,
    @Body(new ZodPipe(TokenRequest)) body: z.infer<typeof TokenRequest>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { access, notAfter } = await this.accessOf(authorization ?? '', body);
    const { accessToken, expiresIn } = await this.tokens.issue(access, notAfter);
    res.setHeader('cache-control', 'no-store');
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: (access.scopes ?? access.permissions).join(' '),
    };
  }

  /** An invitation accepted once: the invited person's first refresh token. */
  @Post('v1/auth/invitations/accept')
  @Audited('a person takes an account')
  @HttpCode(200)
  @Public('credential-exchange', 'the invitation presented is checked here')
  async accept(@Body(new ZodPipe(Invitation)) body: z.infer<typeof Invitation>) {
    const password = body.password;
    const accepted = await this.sessions.accept(
      body.invitation,
      password ? (userId) => this.signIn.checkPassword(userId, password) : undefined,
    );
    if (password) await this.signIn.setPassword(accepted.userId, password);
    return { refreshToken: accepted.refreshToken, expiresAt: accepted.expiresAt };
  }

  /** A password reset link used once: the new password set, every session of the person ended. */
  @Post('v1/auth/password-reset')
  @Audited('a password changes')
  @HttpCode(204)
  @Public('credential-exchange', 'the reset token presented is checked here')
  async reset(@Body(new ZodPipe(Reset)) body: z.infer<typeof Reset>): Promise<void> {
    await this.resets.use(body.reset, body.password);
  }

  /** RFC 7009: a refresh token revoked by whoever holds it (always 200: nothing to probe). */
  @Post('v1/auth/revoke')
  @HttpCode(200)
  @Public('credential-exchange', 'only the holder of a refresh token can name it')
  async revoke(@Body(new ZodPipe(Revocation)) body: z.infer<typeof Revocation>) {
    await this.sessions.revoke(body.token);
    return {};
  }

  private async accessOf(
    authorization: string,
    body: z.infer<typeof TokenRequest>,
  ): Promise<{ access: Access; notAfter?: Date | null }> {
    if (body.grant_type === 'refresh_token') {
      if (!body.refresh_token)
        throw new GatewayError('invalid-request', 'refresh_token: is required');
      return { access: await this.sessions.accessOf(body.refresh_token) };
    }
    if (body.grant_type === 'client_credentials') {
      const basic = authorization.startsWith('Basic ')
        ? basicCredentials(authorization.slice(6))
        : undefined;
      const id = basic?.id ?? body.client_id ?? '';
      const secret = basic?.secret ?? body.client_secret ?? '';
      return {
        access: await this.clients.accessOf(id, secret, {
          tenantId: body.tenant_id,
          scopes: body.scope?.split(' ').filter(Boolean),
        }),
      };
    }
    const presented = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
    if (ApiKeysService.isApiKey(presented)) return this.apiKeys.accessOf(presented);
    const adminKey = this.runtime.config.ADMIN_API_KEY;
    if (adminKey && sameSecret(presented, adminKey)) {
      if (await this.identity.anyPlatformAdmin())
        throw new UnauthorizedError(
          'unauthorized',
          'the bootstrap admin key is refused: a platform administrator exists (use a refresh token)',
        );
      return { access: bootstrapAccess() };
    }
    throw new UnauthorizedError(
      'unauthorized',
      'credential missing or wrong (grant_type refresh_token or client_credentials, or Authorization: Bearer <API key>)',
    );
  }
}

/** RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`. */
function basicCredentials(encoded: string): { id: string; secret: string } | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    return undefined;
  }
}
