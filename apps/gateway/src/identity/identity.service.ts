import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { membershipRefusal, type Access, type Role } from '@textback/auth';
import type { E164, LocationId, TenantId } from '@textback/contracts';
import { systemScope, type SystemScope, type TenantScope } from '@textback/persistence';
import { ForbiddenError, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { GatewayError } from '../errors';
import { credentialsRepository as credentials } from './credentials.repository';
import { identityRepository as identity, type GroupRow } from './identity.repository';
import { PasswordResetService } from '../sign-in/password-reset.service';
import { signInRepository } from '../sign-in/sign-in.repository';
import { announceMember, effectiveLocations, memberView, within } from './member-view';
import { SessionsService } from './sessions.service';
import { StaffLinks, type DeliveredLink } from './staff-links.service';

export type TenantRole = Exclude<Role, 'platform-admin'>;

export interface NewMember {
  email: string;
  name: string;
  role: TenantRole;
  locationIds?: readonly LocationId[] | undefined;
  groupId?: string | undefined;
  /** Their phone for sign-in texts; `textConsent`: the granter vouches they agreed to them. */
  phone?: E164 | undefined;
  textConsent?: boolean | undefined;
}

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  locationIds: readonly string[] | null;
  groupId: string | null;
  createdAt: string;
}

/** How a new member signs in: a refresh token now, or an invitation accepted once. */
export type FirstCredential =
  | { refreshToken: string; expiresAt: string }
  | ({ invitation: string; expiresAt: string } & DeliveredLink);

/**
 * Users, their memberships and location groups. Nobody grants above their own role or beyond
 * their own locations (`membershipRefusal`); a removed member's refresh tokens die at once and
 * its access tokens within their lifetime.
 */
@Injectable()
export class IdentityService {
  /** Users are global (one person, several brands); platform administrators have no tenant. */
  private readonly people: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly sessions: SessionsService,
    private readonly resets: PasswordResetService,
    private readonly links: StaffLinks,
  ) {
    this.people = systemScope(
      'gateway: users across tenants, platform administrators',
      runtime.logger,
    );
  }

  async addMember(
    scope: TenantScope,
    granter: Access,
    m: NewMember,
    signIn: 'refresh-token' | 'invitation',
  ): Promise<MemberView & FirstCredential> {
    const db = this.runtime.db;
    const group = m.groupId ? await identity.group(db, scope, m.groupId) : undefined;
    if (m.groupId && !group)
      throw new GatewayError('not-found', `group ${m.groupId}: no such group`);
    if (m.locationIds && m.groupId)
      throw new GatewayError('invalid-request', 'give locationIds or groupId, not both');
    await this.checkLocations(scope, m.locationIds ?? []);
    const locations = m.locationIds ?? group?.locationIds ?? 'all';
    const refusal = membershipRefusal(granter, m.role, locations);
    if (refusal) throw new ForbiddenError('forbidden', refusal);
    const user = await identity.user(db, this.people, {
      userId: randomUUID(),
      email: m.email.toLowerCase(),
      name: m.name,
    });
    const member = await this.runtime.transaction(async (tx) => {
      const added = await identity.addMembership(tx, scope, {
        userId: user.userId,
        role: m.role,
        locationIds: m.locationIds ?? null,
        groupId: m.groupId ?? null,
        createdBy: granter.subject,
      });
      if (!added)
        throw new GatewayError('conflict', `${m.email} is already a member of ${scope.tenantId}`);
      const made = await identity.member(tx, scope, user.userId);
      if (!made) throw new Error('membership vanished after insert');
      await announceMember(tx, scope, made, false, this.runtime.clock.now());
      return made;
    });
    if (m.phone)
      await this.links.setPhone(user.userId, m.phone, m.textConsent ? granter.subject : null);
    return {
      ...memberView(member),
      ...(await this.firstCredential(user.userId, scope.tenantId, granter, signIn)),
    };
  }

  /** A platform administrator (the CLI's `create-admin`, or another platform administrator). */
  async addPlatformAdmin(
    granter: Access,
    p: { email: string; name: string },
    signIn: 'refresh-token' | 'invitation',
  ): Promise<MemberView & FirstCredential> {
    if (granter.role !== 'platform-admin')
      throw new ForbiddenError('forbidden', 'only a platform administrator may add another');
    const user = await identity.user(this.runtime.db, this.people, {
      userId: randomUUID(),
      email: p.email.toLowerCase(),
      name: p.name,
    });
    const added = await identity.addMembership(this.runtime.db, this.people, {
      userId: user.userId,
      role: 'platform-admin',
      locationIds: null,
      groupId: null,
      createdBy: granter.subject,
    });
    if (!added)
      throw new GatewayError('conflict', `${p.email} is already a platform administrator`);
    const [member] = (await identity.platformAdmins(this.runtime.db, this.people)).filter(
      (a) => a.userId === user.userId,
    );
    if (!member) throw new Error('platform administrator vanished after insert');
    return {
      ...memberView(member),
      ...(await this.firstCredential(user.userId, null, granter, signIn)),
    };
  }

  /** The members a credential may see: all of them, or those within its locations. */
  async members(scope: TenantScope): Promise<MemberView[]> {
    const all = await identity.members(this.runtime.db, scope);
    return all.filter((m) => within(scope, m)).map(memberView);
  }

  platformAdmins(): Promise<MemberView[]> {
    return identity
      .platformAdmins(this.runtime.db, this.people)
      .then((rows) => rows.map(memberView));
  }

  /** Whether a platform administrator exists (then the bootstrap key is refused). */
  anyPlatformAdmin(): Promise<boolean> {
    return identity.anyPlatformAdmin(this.runtime.db, this.people);
  }

  async removeMember(scope: TenantScope, granter: Access, userId: string): Promise<void> {
    const member = await this.memberInReach(scope, granter, userId);
    await this.runtime.transaction(async (tx) => {
      await identity.removeMembership(tx, scope, userId);
      await credentials.revokeRefreshTokensOf(tx, scope, userId, this.runtime.clock.now());
      await announceMember(tx, scope, member, true, this.runtime.clock.now());
    });
  }

  /** Lifts a member's sign-in lock (the same rule as removing it: within the granter's reach). */
  async unlock(scope: TenantScope, granter: Access, userId: string): Promise<void> {
    const member = await this.memberInReach(scope, granter, userId);
    const lifted = await signInRepository.unlock(
      this.runtime.db,
      scope,
      `account:${member.email}`,
      granter.subject,
      this.runtime.clock.now(),
    );
    if (!lifted) throw new GatewayError('not-found', `user ${userId}: not locked`);
  }

  /** A one-hour, one-time password reset link for a member within the granter's reach. */
  async passwordReset(scope: TenantScope, granter: Access, userId: string) {
    await this.memberInReach(scope, granter, userId);
    const made = await this.resets.create(userId, granter.subject);
    const value = { value: made.reset, expiresAt: made.expiresAt };
    return {
      ...made,
      ...(await this.links.deliver(userId, scope.tenantId, 'password-reset', value)),
    };
  }

  /** The member, when the granter may manage it (the same rule as adding one); else 404 / 403. */
  private async memberInReach(scope: TenantScope, granter: Access, userId: string) {
    const member = await identity.member(this.runtime.db, scope, userId);
    if (!member || !within(scope, member))
      throw new GatewayError('not-found', `user ${userId}: not a member here`);
    const refusal = membershipRefusal(granter, member.role, effectiveLocations(member));
    if (refusal) throw new ForbiddenError('forbidden', refusal);
    return member;
  }

  async addGroup(
    scope: TenantScope,
    g: { groupId: string; name: string; locationIds: readonly LocationId[] },
  ): Promise<GroupRow> {
    await this.checkLocations(scope, g.locationIds);
    const made = await identity.insertGroup(this.runtime.db, scope, g);
    if (!made) throw new GatewayError('conflict', `group ${g.groupId} exists`);
    return made;
  }

  groups(scope: TenantScope): Promise<GroupRow[]> {
    return identity.groups(this.runtime.db, scope);
  }

  /** A 400 naming each of `ids` that is not one of the tenant's locations. */
  private async checkLocations(scope: TenantScope, ids: readonly string[]): Promise<void> {
    const known = new Set(await identity.locationIds(this.runtime.db, scope));
    const unknown = ids.filter((l) => !known.has(l)).join(', ');
    if (unknown)
      throw new GatewayError('invalid-request', `locationIds: no such location ${unknown}`);
  }

  /** A refresh token now, or an invitation (its link, texted when the person agreed). */
  private async firstCredential(
    userId: string,
    tenantId: TenantId | null,
    granter: Access,
    signIn: 'refresh-token' | 'invitation',
  ): Promise<FirstCredential> {
    if (signIn === 'refresh-token') return this.sessions.issueRefreshToken(userId, tenantId);
    const made = await this.sessions.invite(userId, tenantId, granter.subject);
    const value = { value: made.invitation, expiresAt: made.expiresAt };
    return { ...made, ...(await this.links.deliver(userId, tenantId, 'invitation', value)) };
  }
}
