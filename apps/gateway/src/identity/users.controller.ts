import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { roles, type Access } from '@textback/auth';
import { E164 } from '@textback/contracts';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  Requires,
  scopeFor,
  ZodPipe,
} from '@textback/service-kit';
import { IdentityService } from './identity.service';

const signIn = z.enum(['invitation', 'refresh-token']).default('invitation');
export const NewMember = z.strictObject({
  email: z.email({ error: 'must be an email address' }).max(254),
  name: edge.name,
  role: z.enum(roles).exclude(['platform-admin']),
  locationIds: z.array(edge.locationId).min(1).max(500).optional(),
  groupId: edge.slug.optional(),
  /** A phone for sign-in texts (invitation and reset links), from the platform's own number. */
  phone: E164.optional(),
  /** The person agreed to sign-in texts on that phone (you vouch for it; recorded as yours). */
  textConsent: z.boolean().optional(),
  /** How the person signs in first: an invitation accepted once (default), or a refresh token now. */
  signIn,
});
export const NewAdmin = z.strictObject({
  email: z.email({ error: 'must be an email address' }).max(254),
  name: edge.name,
  signIn,
});
export const NewGroup = z.strictObject({
  groupId: edge.slug,
  name: edge.name,
  locationIds: z.array(edge.locationId).min(1).max(500),
});
const tenantParam = new ZodPipe(edge.tenantId, 'tenantId');
type TenantParam = z.infer<typeof edge.tenantId>;

/**
 * A tenant's people and location groups. A location manager adds operators and analysts for its
 * own locations; a brand-admin anyone below it; the platform's administrators anyone.
 */
@Controller('v1/admin/tenants/:tenantId')
@UseGuards(AccessGuard)
export class UsersController {
  constructor(private readonly identity: IdentityService) {}

  @Post('users')
  @Requires('users:manage')
  addUser(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: TenantParam,
    @Body(new ZodPipe(NewMember)) body: z.infer<typeof NewMember>,
  ) {
    const { signIn: how, ...member } = body;
    return this.identity.addMember(scopeFor(access, 'users:manage', tenantId), access, member, how);
  }

  @Get('users')
  @Requires('users:manage')
  users(@CurrentAccess() access: Access, @Param('tenantId', tenantParam) tenantId: TenantParam) {
    return this.identity.members(scopeFor(access, 'users:manage', tenantId));
  }

  /** Removes the user from this tenant: refresh tokens at once, access tokens within their lifetime. */
  @Delete('users/:userId')
  @Requires('users:manage')
  @HttpCode(204)
  async removeUser(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: TenantParam,
    @Param('userId', new ZodPipe(edge.uuid, 'userId')) userId: string,
  ): Promise<void> {
    await this.identity.removeMember(scopeFor(access, 'users:manage', tenantId), access, userId);
  }

  /** Lifts a temporary sign-in lock before its time (who did it is recorded). */
  @Post('users/:userId/unlock')
  @Requires('users:manage')
  @HttpCode(204)
  async unlock(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: TenantParam,
    @Param('userId', new ZodPipe(edge.uuid, 'userId')) userId: string,
  ): Promise<void> {
    await this.identity.unlock(scopeFor(access, 'users:manage', tenantId), access, userId);
  }

  /** A password reset link for the member (one hour, once); the person sets a new password with it. */
  @Post('users/:userId/password-reset')
  @Requires('users:manage')
  passwordReset(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: TenantParam,
    @Param('userId', new ZodPipe(edge.uuid, 'userId')) userId: string,
  ) {
    return this.identity.passwordReset(scopeFor(access, 'users:manage', tenantId), access, userId);
  }

  @Post('groups')
  @Requires('tenant:settings')
  addGroup(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: TenantParam,
    @Body(new ZodPipe(NewGroup)) body: z.infer<typeof NewGroup>,
  ) {
    return this.identity.addGroup(scopeFor(access, 'tenant:settings', tenantId), body);
  }

  @Get('groups')
  @Requires('tenant:settings')
  groups(@CurrentAccess() access: Access, @Param('tenantId', tenantParam) tenantId: TenantParam) {
    return this.identity.groups(scopeFor(access, 'tenant:settings', tenantId));
  }
}

/** The platform's own administrators. */
@Controller('v1/admin/platform-admins')
@UseGuards(AccessGuard)
@Requires('tenants:manage')
export class PlatformAdminsController {
  constructor(private readonly identity: IdentityService) {}

  @Post()
  add(
    @CurrentAccess() access: Access,
    @Body(new ZodPipe(NewAdmin)) body: z.infer<typeof NewAdmin>,
  ) {
    const { signIn: how, ...admin } = body;
    return this.identity.addPlatformAdmin(access, admin, how);
  }

  @Get()
  list() {
    return this.identity.platformAdmins();
  }
}
