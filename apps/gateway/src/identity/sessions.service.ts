import { Inject, Injectable } from '@nestjs/common';
import { memberAccess, type Access } from '@textback/auth';
import { systemScope, type SystemScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime, UnauthorizedError } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { credentialsRepository as credentials } from './credentials.repository';
import { identityRepository as identity } from './identity.repository';
import { newCredential, presentedRow } from './secret-credential';

const DAY_MS = 86_400_000;

/**
 * A user's refresh tokens (`txr_…`: long-lived, revocable, exchanged for access tokens) and
 * invitations (`txi_…`: accepted once for the first refresh token). Each exchange re-reads the
 * membership, so a removed user or a changed role takes effect at the next access token.
 */
@Injectable()
export class SessionsService {
  /** Presented tokens are found by id before their user or tenant is known. */
  private readonly presented: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {
    this.presented = systemScope(
      'gateway: refresh tokens and invitations presented',
      runtime.logger,
    );
  }

  async issueRefreshToken(
    userId: string,
    tenantId: string | null,
  ): Promise<{ refreshToken: string; expiresAt: string }> {
    const made = newCredential('txr');
    const expiresAt = new Date(
      this.runtime.clock.now().getTime() + this.runtime.config.REFRESH_TOKEN_TTL_DAYS * DAY_MS,
    );
    await credentials.insertRefreshToken(this.runtime.db, this.presented, {
      tokenId: made.id,
      userId,
      tenantId,
      secretSha256: made.sha256,
      expiresAt,
    });
    return { refreshToken: made.presented, expiresAt: expiresAt.toISOString() };
  }

  async invite(
    userId: string,
    tenantId: string | null,
    createdBy: string,
  ): Promise<{ invitation: string; expiresAt: string }> {
    const made = newCredential('txi');
    const expiresAt = new Date(
      this.runtime.clock.now().getTime() + this.runtime.config.INVITATION_TTL_HOURS * 3_600_000,
    );
    await credentials.insertInvitation(this.runtime.db, this.presented, {
      invitationId: made.id,
      userId,
      tenantId,
      secretSha256: made.sha256,
      createdBy,
      expiresAt,
    });
    return { invitation: made.presented, expiresAt: expiresAt.toISOString() };
  }

  /** The access a refresh token grants now, or a 401 (unknown, revoked, expired, member removed). */
  async accessOf(presented: string): Promise<Access> {
    const db = this.runtime.db;
    const row = await presentedRow('txr', presented, (id) =>
      credentials.refreshToken(db, this.presented, id),
    );
    const now = this.runtime.clock.now();
    const live = row !== undefined && row.revokedAt === null && row.expiresAt > now;
    const member = live
      ? await identity.membershipFor(db, this.presented, row.userId, row.tenantId)
      : undefined;
    if (!live || !member)
      throw new UnauthorizedError('unauthorized', 'refresh token unknown, revoked or expired');
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000)
      await credentials.touchRefreshToken(db, this.presented, row.tokenId, now);
    return memberAccess(member);
  }

  /** RFC 7009: the holder revokes its token; an unknown token is not an error (nothing to leak). */
  async revoke(presented: string): Promise<void> {
    const db = this.runtime.db;
    const row = await presentedRow('txr', presented, (id) =>
      credentials.refreshToken(db, this.presented, id),
    );
    if (row)
      await credentials.revokeRefreshToken(
        db,
        this.presented,
        row.tokenId,
        this.runtime.clock.now(),
      );
  }

  /**
   * The first refresh token for an invitation's user, once; a 401 when used, expired or wrong.
   * `beforeAccept` runs once the invitation checks out and before it is spent (a password that
   * fails the policy leaves the invitation usable).
   */
  async accept(
    presented: string,
    beforeAccept?: (userId: string) => Promise<void>,
  ): Promise<{ userId: string; refreshToken: string; expiresAt: string }> {
    const db = this.runtime.db;
    const row = await presentedRow('txi', presented, (id) =>
      credentials.invitation(db, this.presented, id),
    );
    const now = this.runtime.clock.now();
    if (row && row.expiresAt > now && !row.acceptedAt && beforeAccept)
      await beforeAccept(row.userId);
    const valid =
      row !== undefined &&
      row.expiresAt > now &&
      (await credentials.acceptInvitation(db, this.presented, row.invitationId, now));
    if (!valid || !(await identity.membershipFor(db, this.presented, row.userId, row.tenantId)))
      throw new UnauthorizedError('unauthorized', 'invitation unknown, used or expired');
    return { userId: row.userId, ...(await this.issueRefreshToken(row.userId, row.tenantId)) };
  }
}
