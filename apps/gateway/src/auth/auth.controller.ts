import { Controller, Get, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { bootstrapAccess, type Access } from '@textback/auth';
import {
  Public,
  RUNTIME,
  sameSecret,
  type ServiceRuntime,
  UnauthorizedError,
} from '@textback/service-kit';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { GatewayConfig } from '../config';
import { TokenService } from './token.service';

/** Where services get the keys to verify tokens, and where a credential becomes a token. */
@Controller()
export class AuthController {
  constructor(
    private readonly tokens: TokenService,
    private readonly apiKeys: ApiKeysService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
  ) {}

  /** The public halves of the signing keys (RFC 7517); services cache it and refetch on a new `kid`. */
  @Get('.well-known/jwks.json')
  @Public('discovery', 'public signing keys for verifying access tokens; no secret in it')
  jwks() {
    return this.tokens.jwks;
  }

  /**
   * A credential exchanged for a short-lived access token: a tenant's API key (`txk_…`), or the
   * bootstrap admin key (a platform administrator). Partner clients follow (#19).
   */
  @Post('v1/auth/token')
  @HttpCode(200)
  @Public('credential-exchange', 'the API key or admin key presented is checked here')
  async token(@Headers('authorization') authorization: string | undefined) {
    const presented = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    const access = await this.accessOf(presented);
    const { accessToken, expiresIn } = await this.tokens.issue(access);
    return { accessToken, tokenType: 'Bearer', expiresIn };
  }

  private async accessOf(presented: string): Promise<Access> {
    if (ApiKeysService.isApiKey(presented)) return this.apiKeys.accessOf(presented);
    if (sameSecret(presented, this.runtime.config.ADMIN_API_KEY)) return bootstrapAccess();
    throw new UnauthorizedError(
      'unauthorized',
      'credential missing or wrong (Authorization: Bearer <API key>)',
    );
  }
}
