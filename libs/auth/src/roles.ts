/**
 * What a credential may do, by permission. Roles are bundles of permissions over a scope (a
 * tenant, and within it some locations); an API key or a partner client carries permissions
 * (its scopes) directly. The table is data: the access-matrix test reads it.
 */
export const permissions = [
  'tenants:manage', // create tenants, manage everything (platform)
  'tenant:settings', // the brand's settings, numbers, groups, keys, grants
  'users:manage', // add and remove users (never above the granter's role or locations)
  'locations:write', // a location's settings
  'inbox:read',
  'inbox:write', // reply, assign, close, book
  'consent:read',
  'consent:write', // operator opt-outs and opt-ins
  'consent:export',
  'crm:manage',
  'reports:read',
  'decisions:read',
  'call-events:write', // a phone system reporting calls
] as const;
export type Permission = (typeof permissions)[number];

export const roles = [
  'platform-admin',
  'brand-admin',
  'location-manager',
  'operator',
  'analyst',
] as const;
export type Role = (typeof roles)[number];

const all = [...permissions];

export const rolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  'platform-admin': all,
  'brand-admin': all.filter((p) => p !== 'tenants:manage'),
  'location-manager': [
    'locations:write',
    'users:manage',
    'inbox:read',
    'inbox:write',
    'consent:read',
    'consent:write',
    'reports:read',
    'decisions:read',
  ],
  operator: ['inbox:read', 'inbox:write', 'consent:read'],
  analyst: ['reports:read', 'decisions:read', 'inbox:read'],
};

/**
 * The scopes an API key or partner client may be given: never the platform's own, and never
 * managing people (a machine has no role to grant roles below).
 */
export const grantablePermissions: readonly Permission[] = all.filter(
  (p) => p !== 'tenants:manage' && p !== 'users:manage',
);

/** Whether a role may grant another (a location-manager never makes a brand-admin). */
export function mayGrantRole(granter: Role, granted: Role): boolean {
  const rank: Record<Role, number> = {
    'platform-admin': 4,
    'brand-admin': 3,
    'location-manager': 2,
    operator: 1,
    analyst: 1,
  };
  return granter === 'platform-admin' || rank[granter] > rank[granted];
}
