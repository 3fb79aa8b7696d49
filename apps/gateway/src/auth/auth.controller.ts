import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { bootstrapAccess } from '@textback/auth';
import { AdminKeyGuard, Public } from '@textback/service-kit';
import { TokenService } from './token.service';

/** Where services get the keys to verify tokens, and where a credential becomes a token. */
@Controller()
export class AuthController {
  constructor(private readonly tokens: TokenService) {}

  /** The public halves of the signing keys (RFC 7517); services cache it and refetch on a new `kid`. */
  @Get('.well-known/jwks.json')
  @Public('discovery', 'public signing keys for verifying access tokens; no secret in it')
  jwks() {
    return this.tokens.jwks;
  }

  /**
   * The bootstrap credential (the admin key) exchanged for a short-lived platform-admin token.
   * API keys and partner clients are exchanged here too as access part 1 lands (#15).
   */
  @Post('v1/auth/token')
  @HttpCode(200)
  @UseGuards(AdminKeyGuard)
  async token() {
    const { accessToken, expiresIn } = await this.tokens.issue(bootstrapAccess());
    return { accessToken, tokenType: 'Bearer', expiresIn };
  }
}
