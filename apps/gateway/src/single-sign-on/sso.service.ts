import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import type { TenantId } from '@textback/contracts';
import { groupsClaim, membershipFromGroups } from '@textback/auth';
import {
  systemScope,
  tenantScope,
  type SystemScope,
  type TenantScope,
} from '@textback/persistence';
import {
  ForbiddenError,
  RUNTIME,
  type ServiceRuntime,
  UnauthorizedError,
} from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { identityRepository as identity } from '../identity/identity.repository';
import { credentialsRepository as credentials } from '../identity/credentials.repository';
import { announceMember } from '../identity/member-view';
import { sha256 } from '../identity/secret-credential';
import { SignInService, type SignedIn } from '../sign-in/sign-in.service';
import { OpenIdProviders, type SsoSettings } from './openid-providers';
import { ssoRepository as sso } from './sso.repository';

const ATTEMPT_MS = 10 * 60_000;

/** Why a single sign-on failed, in words for the page (never a secret or a claim value). */
export class SsoRefusedError extends UnauthorizedError {
  constructor(message: string) {
    super('unauthorized', message);
  }
}

/**
 * Signing in through a tenant's own OpenID provider (authorization code with PKCE, state and
 * nonce; `openid-client`). Every request to the issuer goes through the egress helper. The
 * person's groups decide their membership at every sign-in: a group the provider drops takes the
 * access with it, and no mapped group means no access (the membership and sessions end).
 */
@Injectable()
export class SingleSignOnService {
  private readonly attempts: SystemScope;
  private readonly people: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
    private readonly signIn: SignInService,
    private readonly providers: OpenIdProviders,
  ) {
    this.attempts = systemScope('gateway: single sign-on attempts, by state', runtime.logger);
    this.people = systemScope(
      'gateway: a person signing in through their provider',
      runtime.logger,
    );
  }

  /** Where to send the browser to sign in, and the state its cookie binds to this browser. */
  async start(tenantId: TenantId, redirectUri: string, returnTo: string) {
    const scope = tenantScope(tenantId, 'all');
    const settings = await this.ssoSettings(scope);
    const config = await this.provider(scope, settings);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const now = this.runtime.clock.now();
    await sso.purgeAttempts(this.runtime.db, this.attempts, now);
    await sso.insertAttempt(this.runtime.db, this.attempts, {
      stateSha256: sha256(state),
      tenantId: scope.tenantId,
      codeVerifier,
      nonce,
      redirectUri,
      returnTo,
      expiresAt: new Date(now.getTime() + ATTEMPT_MS),
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, state };
  }

  /**
   * The provider's answer (`code`, `state`) exchanged and checked; the person found, linked or
   * made; their membership set from their groups; a session opened.
   */
  async finish(
    query: URLSearchParams,
    boundState: string | undefined,
    from: { address: string; userAgent: string | undefined },
  ): Promise<{ signedIn: SignedIn; returnTo: string }> {
    const state = query.get('state');
    // The state must be the one this browser's cookie holds: a callback link sent by someone else
    // (login CSRF) has no cookie, or another one.
    if (!state || !boundState || state !== boundState)
      throw new UnauthorizedError('unauthorized', 'sign-in link not started in this browser');
    const now = this.runtime.clock.now();
    const attempt = await sso.takeAttempt(this.runtime.db, this.attempts, sha256(state), now);
    if (!attempt)
      throw new UnauthorizedError('unauthorized', 'sign-in expired or already used: start again');
    const scope = tenantScope(attempt.tenantId, 'all');
    const settings = await this.ssoSettings(scope);
    const error = query.get('error');
    if (error)
      throw new SsoRefusedError(
        `the identity provider refused: ${error}${query.get('error_description') ? ` (${query.get('error_description')?.slice(0, 200)})` : ''}`,
      );
    const config = await this.provider(scope, settings);
    const callback = new URL(attempt.redirectUri);
    for (const [k, v] of query) callback.searchParams.append(k, v);
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: attempt.codeVerifier,
        expectedState: state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new SsoRefusedError('the identity provider sent no ID token');
      claims = { ...idClaims };
      // Many providers put groups and email only in userinfo.
      if (config.serverMetadata().userinfo_endpoint)
        Object.assign(claims, await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub), {
          sub: idClaims.sub,
        });
    } catch (err) {
      if (err instanceof SsoRefusedError) throw err;
      this.runtime.logger.warn({ err, tenantId: scope.tenantId }, 'single sign-on failed');
      throw new SsoRefusedError(
        `the identity provider's answer was refused (${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'})`,
      );
    }
    const userId = await this.memberFrom(scope, settings, claims);
    const signedIn = await this.signIn.openSession(userId, scope.tenantId, 'sso', from);
    return { signedIn, returnTo: attempt.returnTo };
  }

  /** Links (or makes) the person and sets their membership from their groups, in one transaction. */
  private async memberFrom(
    scope: TenantScope,
    settings: SsoSettings,
    claims: Record<string, unknown>,
  ): Promise<string> {
    const subject = String(claims['sub']);
    const email = typeof claims['email'] === 'string' ? claims['email'].toLowerCase() : undefined;
    const name = typeof claims['name'] === 'string' ? claims['name'].slice(0, 120) : undefined;
    const mapped = membershipFromGroups(
      groupsClaim(claims, settings.ssoGroupsClaim),
      settings.ssoRoleMappings,
    );
    const now = this.runtime.clock.now();
    const outcome = await this.runtime.db.transaction<{ refused: string } | { userId: string }>(
      async (tx) => {
        let userId = (await sso.linkedUser(tx, scope, settings.ssoIssuer, subject))?.userId;
        if (!userId) {
          if (!email || claims['email_verified'] === false)
            return { refused: 'the identity provider sent no verified email for this person' };
          const user = await identity.user(tx, this.people, {
            userId: randomUUID(),
            email,
            name: name ?? email,
          });
          // An account that works for another brand (or the platform) is never taken over by this
          // tenant's provider: a platform administrator links it by hand.
          const elsewhere = await sso.otherMemberships(tx, scope, user.userId);
          if (elsewhere.length > 0 || user.removedAt)
            return { refused: `${email} already signs in elsewhere: ask a platform administrator` };
          userId = user.userId;
        }
        await sso.link(tx, scope, { issuer: settings.ssoIssuer, subject, userId, at: now });
        if (!mapped) {
          const before = await identity.member(tx, scope, userId);
          await identity.removeMembership(tx, scope, userId);
          // The inbox's team loses them too (never assigned or alerted again).
          if (before) await announceMember(tx, scope, before, true, now);
          await credentials.revokeRefreshTokensOf(tx, scope, userId, now);
          await sso.revokeSessions(tx, scope, userId, now);
          return { refused: 'your identity provider gives you no role here (no mapped group)' };
        }
        await sso.setManagedMembership(tx, scope, { userId, ...mapped });
        const member = await identity.member(tx, scope, userId);
        if (member) await announceMember(tx, scope, member, false, now);
        return { userId };
      },
    );
    if ('refused' in outcome) throw new ForbiddenError('forbidden', outcome.refused);
    return outcome.userId;
  }

  private async ssoSettings(scope: TenantScope) {
    const settings = await sso.settings(this.runtime.db, scope);
    if (!settings?.ssoIssuer || !settings.ssoClientId)
      throw new GatewayError('not-found', `${scope.tenantId} has no single sign-on`);
    return settings as SsoSettings;
  }

  private async provider(scope: TenantScope, settings: SsoSettings) {
    const config = await this.providers.configFor(scope, settings);
    if (!config)
      throw new SsoRefusedError(
        `the identity provider at ${settings.ssoIssuer} could not be reached or described itself wrongly`,
      );
    return config;
  }
}
