import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { newSigningKey, SigningKeys, TokenIssuer, type Access } from '@textback/auth';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';

/**
 * The gateway issues every access token the services verify: signed with the newest key of the
 * ring, every key's public half published as the JWKS (rotation: add a key, keep the old one
 * until its tokens have expired, then drop it).
 */
@Injectable()
export class TokenService implements OnModuleInit {
  private issuer: TokenIssuer | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {}

  async onModuleInit(): Promise<void> {
    const configured = this.runtime.config.AUTH_SIGNING_KEYS;
    if (configured) {
      const parsed = SigningKeys.safeParse(JSON.parse(configured));
      if (!parsed.success)
        throw new Error('AUTH_SIGNING_KEYS: not a key ring of EC P-256 JWKs with kid');
      this.issuer = await TokenIssuer.fromKeys(parsed.data.keys);
      return;
    }
    this.runtime.logger.warn(
      {},
      'AUTH_SIGNING_KEYS unset: signing with a key made at start (development only)',
    );
    this.issuer = await TokenIssuer.fromKeys([
      await newSigningKey(`dev-${this.runtime.clock.now().getTime().toString(36)}`),
    ]);
  }

  get jwks() {
    return this.ready().jwks;
  }

  /**
   * A token for `access`, valid for the configured lifetime — never beyond `notAfter` (an API key
   * that expires sooner).
   */
  async issue(
    access: Access,
    notAfter?: Date | null,
  ): Promise<{ accessToken: string; expiresIn: number }> {
    const now = this.runtime.clock.now();
    const ttl = Math.min(
      this.runtime.config.ACCESS_TOKEN_TTL_SECONDS,
      notAfter ? Math.floor((notAfter.getTime() - now.getTime()) / 1000) : Infinity,
    );
    const accessToken = await this.ready().issue(access, ttl, now);
    return { accessToken, expiresIn: ttl };
  }

  private ready(): TokenIssuer {
    if (!this.issuer) throw new Error('token signing keys not loaded yet');
    return this.issuer;
  }
}
