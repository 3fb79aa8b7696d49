import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  afterFailure,
  hashPassword,
  memberAccess,
  passwordMatches,
  passwordRefusal,
  throttleVerdict,
  type Access,
} from '@textback/auth';
import type { TenantId } from '@textback/contracts';
import { systemScope, tenantScope, type SystemScope } from '@textback/persistence';
import {
  ForbiddenError,
  RUNTIME,
  type ServiceRuntime,
  UnauthorizedError,
} from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { identityRepository as identity } from '../identity/identity.repository';
import { newCredential, presentedRow, sha256 } from '../identity/secret-credential';
import { SecondFactorService } from './second-factor.service';
import { ssoRepository as sso } from '../single-sign-on/sso.repository';
import { signInRepository as signIn, type SessionRow } from './sign-in.repository';

/** A hash to check when the email is unknown, so both answers take the same time. */
const DECOY = hashPassword(randomBytes(16).toString('hex'));
const HOUR_MS = 3_600_000;

export interface SignedIn {
  /** The cookie value (`tbs_<id>_<secret>`): HttpOnly, never shown to the page's script. */
  session: string;
  /** Sent back in `X-CSRF-Token` with every request the session authorizes. */
  csrfToken: string;
  sessionId: string;
  userId: string;
  tenantId: string | null;
  expiresAt: Date;
}

/**
 * People sign in with an email, a password (argon2id) and — when they enrolled — a TOTP code,
 * throttled per account and per address (`libs/auth` sign-in-throttle); a session is a cookie
 * the gateway checks and a CSRF token the page echoes. The session is exchanged here for the
 * same short-lived access tokens every API takes.
 */
@Injectable()
export class SignInService {
  private readonly presented: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
    private readonly secondFactor: SecondFactorService,
  ) {
    this.presented = systemScope('gateway: sign-in by email, sessions by id', runtime.logger);
  }

  async signIn(
    form: { email: string; password: string; totp?: string | undefined; tenantId?: string },
    from: { address: string; userAgent: string | undefined },
  ): Promise<SignedIn> {
    const db = this.runtime.db;
    const now = this.runtime.clock.now();
    const email = form.email.toLowerCase();
    const subjects = { account: `account:${email}`, address: `address:${from.address}` };
    for (const [kind, subject] of Object.entries(subjects)) {
      const verdict = throttleVerdict(await signIn.throttle(db, this.presented, subject), now);
      if (!verdict.allowed)
        throw new GatewayError(
          'throttled',
          verdict.reason === 'locked'
            ? `this account is locked for ${Math.ceil(verdict.retryAfterMs / 60_000)} more minutes after repeated failures (a brand-admin can lift it)`
            : `too many failed sign-ins from this ${kind}: try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
        );
    }
    const user = await signIn.credentials(db, this.presented, email);
    const passwordOk = await passwordMatches(user?.passwordHash ?? (await DECOY), form.password);
    const secondOk =
      passwordOk && user?.totpEnabled
        ? this.secondFactor.matches(user.totpSealed, user.userId, form.totp)
        : true;
    if (!user || !passwordOk || !(await secondOk)) {
      // The right password without a code is the normal first step of a two-factor sign-in.
      const codeMissing = passwordOk && user?.totpEnabled && !form.totp;
      if (!codeMissing)
        for (const [kind, subject] of Object.entries(subjects)) {
          const state = await signIn.throttle(db, this.presented, subject);
          await signIn.saveThrottle(
            db,
            this.presented,
            subject,
            afterFailure(state, now, kind === 'account'),
          );
        }
      throw new UnauthorizedError(
        'unauthorized',
        codeMissing
          ? 'second factor required: the code from your authenticator app (totp)'
          : 'email, password or code wrong',
      );
    }
    await signIn.clearThrottle(db, this.presented, subjects.account);
    const tenantId = await this.tenantFor(user.userId, form.tenantId);
    if (tenantId && (await this.policyOf(tenantId))?.requireSso)
      throw new ForbiddenError(
        'forbidden',
        `${tenantId} requires single sign-on: use "Sign in with single sign-on"`,
      );
    const method = user.totpEnabled ? 'password+totp' : 'password';
    return this.openSession(user.userId, tenantId, method, from);
  }

  /** A new session for a person who has proved who they are (by password or their provider). */
  async openSession(
    userId: string,
    tenantId: TenantId | null,
    method: SessionRow['method'],
    from: { address: string; userAgent: string | undefined },
  ): Promise<SignedIn> {
    const now = this.runtime.clock.now();
    const made = newCredential('tbs');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.runtime.config.SESSION_MAX_HOURS * HOUR_MS);
    await signIn.insertSession(this.runtime.db, this.presented, {
      sessionId: made.id,
      userId,
      tenantId,
      secretSha256: made.sha256,
      csrfSha256: sha256(csrfToken),
      address: from.address,
      userAgent: from.userAgent?.slice(0, 300) ?? null,
      idleExpiresAt: this.idleFrom(now, expiresAt),
      expiresAt,
      method,
      now,
    });
    return { session: made.presented, csrfToken, sessionId: made.id, userId, tenantId, expiresAt };
  }

  /**
   * The access a session grants now (CSRF token checked), or a 401. Under a tenant's policy a
   * password-only session grants nothing but setting up a second factor, and a session not made
   * by single sign-on grants nothing at all where it is required.
   */
  async accessOf(
    session: string,
    csrfToken: string | undefined,
  ): Promise<{ access: Access; secondFactorRequired: boolean }> {
    const db = this.runtime.db;
    const now = this.runtime.clock.now();
    const row = await this.live(session, now);
    if (!row || !csrfToken || !sha256(csrfToken).equals(row.csrfSha256))
      throw new UnauthorizedError('unauthorized', 'session expired, revoked or CSRF token wrong');
    const member = await identity.membershipFor(db, this.presented, row.userId, row.tenantId);
    if (!member) throw new UnauthorizedError('unauthorized', 'no longer a member here');
    const policy = row.tenantId ? await this.policyOf(row.tenantId) : undefined;
    if (policy?.requireSso && row.method !== 'sso')
      throw new UnauthorizedError('unauthorized', `${row.tenantId} requires single sign-on now`);
    const idle = this.idleFrom(now, row.expiresAt);
    if (now.getTime() - row.lastSeenAt.getTime() > 60_000)
      await signIn.touchSession(db, this.presented, row.sessionId, now, idle);
    const access = memberAccess(member);
    if (policy?.requireSecondFactor && row.method === 'password')
      return { access: { ...access, permissions: [] }, secondFactorRequired: true };
    return { access, secondFactorRequired: false };
  }

  private policyOf(tenantId: TenantId) {
    return sso.settings(this.runtime.db, tenantScope(tenantId, 'all'));
  }

  async signOut(session: string, csrfToken: string | undefined): Promise<void> {
    const now = this.runtime.clock.now();
    const row = await this.live(session, now);
    if (row && csrfToken && sha256(csrfToken).equals(row.csrfSha256))
      await signIn.revokeSession(this.runtime.db, this.presented, row.userId, row.sessionId, now);
  }

  /** A person's own live sessions (where and when), for the session list. */
  async sessions(userId: string) {
    const now = this.runtime.clock.now();
    return (await signIn.sessionsOf(this.runtime.db, this.presented, userId, now)).map((r) => ({
      sessionId: r.sessionId,
      tenantId: r.tenantId,
      method: r.method,
      address: r.address,
      userAgent: r.userAgent,
      createdAt: r.createdAt.toISOString(),
      lastSeenAt: r.lastSeenAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
    }));
  }

  async revokeSession(userId: string, sessionId: string): Promise<void> {
    const now = this.runtime.clock.now();
    if (!(await signIn.revokeSession(this.runtime.db, this.presented, userId, sessionId, now)))
      throw new GatewayError('not-found', `session ${sessionId}: not one of yours`);
  }

  /** A 400 naming what the policy refuses in this person's password. */
  async checkPassword(userId: string, password: string): Promise<void> {
    const user = await signIn.credentialsOf(this.runtime.db, this.presented, userId);
    if (!user) throw new GatewayError('not-found', 'no such user');
    const refusal = passwordRefusal(password, { email: user.email, name: user.displayName });
    if (refusal) throw new GatewayError('invalid-request', refusal);
  }

  /** Sets a person's password, after the policy; the old sessions stay (revoke them if needed). */
  async setPassword(userId: string, password: string): Promise<void> {
    await this.checkPassword(userId, password);
    await signIn.setPassword(this.runtime.db, this.presented, userId, await hashPassword(password));
  }

  private async live(session: string, now: Date): Promise<SessionRow | undefined> {
    const row = await presentedRow('tbs', session, (id) =>
      signIn.session(this.runtime.db, this.presented, id),
    );
    return row && !row.revokedAt && row.expiresAt > now && row.idleExpiresAt > now
      ? row
      : undefined;
  }

  private idleFrom(now: Date, expiresAt: Date): Date {
    const idle = now.getTime() + this.runtime.config.SESSION_IDLE_HOURS * HOUR_MS;
    return new Date(Math.min(idle, expiresAt.getTime()));
  }

  /** The tenant a session is for: the one asked, else the person's only membership. */
  private async tenantFor(userId: string, asked: string | undefined): Promise<TenantId | null> {
    const memberships = await signIn.memberships(this.runtime.db, this.presented, userId);
    const chosen = asked
      ? memberships.find((m) => m.tenantId === asked)
      : memberships.length === 1
        ? memberships[0]
        : undefined;
    if (!chosen)
      throw new GatewayError(
        'invalid-request',
        asked
          ? `tenantId: you are not a member of ${asked}`
          : `tenantId: you work for several brands (${memberships.map((m) => m.tenantId ?? 'platform').join(', ')}): name one`,
      );
    return chosen.tenantId;
  }
}
