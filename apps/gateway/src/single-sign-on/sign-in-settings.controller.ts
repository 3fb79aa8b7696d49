import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { roles, type Access } from '@textback/auth';
import {
  AccessGuard,
  CurrentAccess,
  edge,
  Requires,
  scopeFor,
  ZodPipe,
} from '@textback/service-kit';
import { SignInSettingsService } from './sign-in-settings.service';

const RoleMapping = z
  .strictObject({
    group: z.string().trim().min(1, 'must not be blank').max(200),
    role: z.enum(roles).exclude(['platform-admin']),
    locationIds: z.array(edge.locationId).min(1).max(500).optional(),
    groupId: edge.slug.optional(),
  })
  .refine((m) => !(m.locationIds && m.groupId), 'name locationIds or groupId, not both');

export const SignInSettingsChange = z.strictObject({
  requireSecondFactor: z.boolean().optional(),
  requireSso: z.boolean().optional(),
  sso: z
    .strictObject({
      issuer: z.string().max(500),
      clientId: z.string().min(1).max(200),
      clientSecret: z.string().min(1).max(500).optional(),
      groupsClaim: z
        .string()
        .regex(/^[A-Za-z0-9_:./-]{1,100}$/, 'must be a claim name')
        .optional(),
      roleMappings: z.array(RoleMapping).max(200),
    })
    .nullable()
    .optional(),
});
const tenantParam = new ZodPipe(edge.tenantId, 'tenantId');

/**
 * A tenant's sign-in settings: require single sign-on, require a second factor, and the OpenID
 * Connect provider (issuer, client, group-to-role mapping). Saving a mapping is granting roles:
 * it takes `users:manage` too, and a person (keys grant no roles), and nothing above that
 * person's own role.
 */
@Controller('v1/admin/tenants/:tenantId/sign-in-settings')
@UseGuards(AccessGuard)
export class SignInSettingsController {
  constructor(private readonly settings: SignInSettingsService) {}

  @Get()
  @Requires('tenant:settings')
  get(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: z.infer<typeof edge.tenantId>,
  ) {
    return this.settings.get(scopeFor(access, 'tenant:settings', tenantId));
  }

  @Put()
  @Requires('tenant:settings')
  change(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantParam) tenantId: z.infer<typeof edge.tenantId>,
    @Body(new ZodPipe(SignInSettingsChange)) body: z.infer<typeof SignInSettingsChange>,
  ) {
    // A mapping grants roles: saving one takes the right to manage people as well.
    if (body.sso) scopeFor(access, 'users:manage', tenantId);
    return this.settings.change(scopeFor(access, 'tenant:settings', tenantId), access, body);
  }
}
