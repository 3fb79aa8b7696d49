import type { LocationId, TenantId } from '@textback/contracts';
import { tenantScope, type TenantScope } from '@textback/persistence';
import type { PartnerScope } from './partner-scopes';
import { mayGrantRole, rolePermissions, type Permission, type Role } from './roles';

/** Who is calling, as a verified token says: the only input to authorization. */
export interface Access {
  /** The user, key or client id (never a secret). */
  readonly subject: string;
  readonly kind: 'user' | 'api-key' | 'client' | 'bootstrap';
  readonly role: Role | undefined;
  /** The tenant the credential belongs to; `*` for the platform's own administrators. */
  readonly tenantId: TenantId | '*';
  /** The locations within it the credential may see. */
  readonly locationIds: 'all' | readonly LocationId[];
  readonly permissions: readonly Permission[];
  /** A partner client's scopes (the partner API checks them; services check `permissions`). */
  readonly scopes?: readonly PartnerScope[];
  /** A partner application's name, as the inbox shows it beside what it wrote. */
  readonly displayName?: string;
}

export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
  constructor(
    readonly reason: 'permission' | 'tenant' | 'location',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The scope a request may use for `permission` on `tenantId`: the repositories' `TenantScope`,
 * narrowed to the credential's locations. Another tenant, a missing permission or a location
 * outside the credential is refused (a 403 at the edge).
 */
export function authorize(access: Access, permission: Permission, tenantId: TenantId): TenantScope {
  if (!access.permissions.includes(permission))
    throw new AccessDeniedError('permission', `this credential may not ${permission}`);
  if (access.tenantId !== '*' && access.tenantId !== tenantId)
    throw new AccessDeniedError('tenant', `this credential is for tenant ${access.tenantId} only`);
  return tenantScope(tenantId, access.locationIds);
}

/** Also refuses a request that names one location the credential does not cover. */
export function authorizeLocation(
  access: Access,
  permission: Permission,
  tenantId: TenantId,
  locationId: LocationId,
): TenantScope {
  const scope = authorize(access, permission, tenantId);
  if (scope.locationIds !== 'all' && !scope.locationIds.includes(locationId))
    throw new AccessDeniedError(
      'location',
      `this credential does not cover location ${locationId}`,
    );
  return tenantScope(tenantId, [locationId]);
}

/** The bootstrap credential (the admin key): a platform administrator, until real ones exist. */
export function bootstrapAccess(): Access {
  return {
    subject: 'bootstrap-admin-key',
    kind: 'bootstrap',
    role: 'platform-admin',
    tenantId: '*',
    locationIds: 'all',
    permissions: rolePermissions['platform-admin'],
  };
}

/**
 * Why `granter` may not give someone `role` over `locations`, or undefined when it may: only a
 * person (or the platform) adds people, never above its own role, never beyond its locations.
 */
export function membershipRefusal(
  granter: Access,
  role: Role,
  locations: 'all' | readonly LocationId[],
): string | undefined {
  if (!granter.role) return 'only a person or the platform may add users';
  if (!mayGrantRole(granter.role, role)) return `a ${granter.role} may not make a ${role}`;
  const mine = granter.locationIds;
  if (mine !== 'all' && (locations === 'all' || locations.some((l) => !mine.includes(l))))
    return 'locations: outside your locations';
  return undefined;
}

/** The access a member has: its role's permissions over its locations (or its group's). */
export function memberAccess(m: {
  userId: string;
  tenantId: TenantId | null;
  role: Role;
  locationIds: readonly LocationId[] | null;
  groupLocationIds: readonly LocationId[] | null;
}): Access {
  return {
    subject: `user:${m.userId}`,
    kind: 'user',
    role: m.role,
    tenantId: m.tenantId ?? '*',
    locationIds: m.locationIds ?? m.groupLocationIds ?? 'all',
    permissions: rolePermissions[m.role],
  };
}
