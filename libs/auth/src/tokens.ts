import {
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LocationId, TenantId } from '@textback/contracts';
import type { Access } from './access';
import { partnerScopeNames } from './partner-scopes';
import { permissions, roles } from './roles';

export const TOKEN_ISSUER = 'textback-gateway';
export const TOKEN_AUDIENCE = 'textback';

/** What an access token says (compact claim names keep the header small). */
const AccessClaims = z.object({
  sub: z.string().min(1).max(200),
  kind: z.enum(['user', 'api-key', 'client', 'bootstrap']),
  role: z.enum(roles).optional(),
  tid: z.union([TenantId, z.literal('*')]),
  loc: z.union([z.literal('*'), z.array(LocationId).max(5_000)]),
  perm: z.array(z.enum(permissions)),
  scp: z.array(z.enum(partnerScopeNames)).optional(),
  name: z.string().min(1).max(120).optional(),
});

/** A private ES256 signing key as stored in the mounted secret: a JWK with its key id. */
export const SigningKey = z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  d: z.string().min(1),
  x: z.string().min(1),
  y: z.string().min(1),
  kid: z.string().min(1).max(64),
  /**
   * When this key starts signing (ISO instant); until then it is only published, so every
   * service has it cached before the first token it signs arrives. Absent: at once.
   */
  activeFrom: z.iso.datetime({ offset: true }).optional(),
});
export type SigningKey = z.infer<typeof SigningKey>;
/**
 * The key ring file: keys oldest first; the newest active one signs, all verify (rotation by
 * `kid`: add a key with `activeFrom` beyond the services' JWKS cache age, then drop the old key
 * once the last token it signed has expired).
 */
export const SigningKeys = z.object({ keys: z.array(SigningKey).min(1) });

/** A new signing key (the admin CLI and `npm start` make them; production mounts them). */
export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return SigningKey.parse({ ...(await exportJWK(privateKey)), kid });
}

interface RingKey {
  kid: string;
  activeFrom: number;
  key: Awaited<ReturnType<typeof importJWK>>;
}

/** Issues access tokens with the newest active key, and publishes every key's public half (JWKS). */
export class TokenIssuer {
  private constructor(
    private readonly ring: readonly RingKey[],
    readonly jwks: JSONWebKeySet,
  ) {}

  static async fromKeys(keys: readonly SigningKey[]): Promise<TokenIssuer> {
    if (keys.length === 0) throw new Error('no signing key');
    const ring = await Promise.all(
      keys.map(async ({ activeFrom, ...jwk }) => ({
        kid: jwk.kid,
        activeFrom: activeFrom ? Date.parse(activeFrom) : 0,
        key: await importJWK({ ...jwk, alg: 'ES256' }, 'ES256'),
      })),
    );
    const jwks = {
      keys: keys.map(({ d: _private, activeFrom: _from, ...pub }): JWK => ({
        ...pub,
        alg: 'ES256',
        use: 'sig',
      })),
    };
    return new TokenIssuer(ring, jwks);
  }

  /** The key that signs at `now`: the newest whose time has come (else the oldest). */
  private signingAt(now: Date): RingKey {
    const active = this.ring.filter((k) => k.activeFrom <= now.getTime());
    const key = active[active.length - 1] ?? this.ring[0];
    if (!key) throw new Error('no signing key');
    return key;
  }

  /** A signed access token for `access`, valid `ttlSeconds` from `now`. */
  issue(access: Access, ttlSeconds: number, now: Date): Promise<string> {
    const signing = this.signingAt(now);
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({
      kind: access.kind,
      ...(access.role ? { role: access.role } : {}),
      tid: access.tenantId,
      loc: access.locationIds === 'all' ? '*' : [...access.locationIds],
      perm: [...access.permissions],
      ...(access.scopes ? { scp: [...access.scopes] } : {}),
      ...(access.displayName ? { name: access.displayName } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', kid: signing.kid, typ: 'at+jwt' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(access.subject)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(signing.key);
  }
}

/** Whether a presented credential has a JWT's shape (three base64url parts), not an API key's. */
export function looksLikeAccessToken(presented: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(presented);
}

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/**
 * Verifies access tokens locally against the issuer's keys (fetched from its JWKS and cached, or
 * given): signature, issuer, audience, expiry by the service's clock, and the claims' shape.
 */
export class TokenVerifier {
  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly clock: { now(): Date },
  ) {}

  static ofJwks(jwks: JSONWebKeySet, clock: { now(): Date }): TokenVerifier {
    return new TokenVerifier(createLocalJWKSet(jwks), clock);
  }

  /** Keys from the gateway's `/.well-known/jwks.json`, refreshed when an unknown `kid` appears. */
  static ofUrl(url: string | (() => string | undefined), clock: { now(): Date }): TokenVerifier {
    // The URL may be known only once the gateway listens (all services in one process).
    let keys: JWTVerifyGetKey | undefined;
    const lazy: JWTVerifyGetKey = (header, token) => {
      if (!keys) {
        const at = typeof url === 'string' ? url : url();
        if (!at) throw new InvalidTokenError('token keys unavailable');
        keys = createRemoteJWKSet(new URL(at), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      }
      return keys(header, token);
    };
    return new TokenVerifier(lazy, clock);
  }

  async verify(token: string): Promise<Access> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: ['ES256'],
        currentDate: this.clock.now(),
        clockTolerance: 5,
      }));
    } catch (err) {
      throw new InvalidTokenError(
        err instanceof Error && 'code' in err && err.code === 'ERR_JWT_EXPIRED'
          ? 'token expired'
          : 'token invalid',
      );
    }
    const claims = AccessClaims.safeParse(payload);
    if (!claims.success) throw new InvalidTokenError('token claims invalid');
    const c = claims.data;
    return {
      subject: c.sub,
      kind: c.kind,
      role: c.role,
      tenantId: c.tid,
      locationIds: c.loc === '*' ? 'all' : c.loc,
      permissions: c.perm,
      ...(c.scp ? { scopes: c.scp } : {}),
      ...(c.name ? { displayName: c.name } : {}),
    };
  }
}
