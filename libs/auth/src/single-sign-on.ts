import type { LocationId } from '@textback/contracts';
import { type Role } from './roles';

/**
 * One line of a tenant's single sign-on mapping: members of the identity provider's `group` get
 * `role` over some locations (`locationIds`), a location group (`groupId`), or all of them.
 */
export interface RoleMapping {
  readonly group: string;
  readonly role: Exclude<Role, 'platform-admin'>;
  readonly locationIds?: readonly LocationId[] | undefined;
  readonly groupId?: string | undefined;
}

/** The membership a signed-in person's groups give them in the tenant. */
export interface MappedMembership {
  readonly role: Exclude<Role, 'platform-admin'>;
  readonly locationIds: readonly LocationId[] | null;
  readonly groupId: string | null;
}

const rank: Record<MappedMembership['role'], number> = {
  'brand-admin': 4,
  'location-manager': 3,
  operator: 2,
  analyst: 1,
};

/**
 * The one membership `groups` map to, or undefined when none of them maps (no access). A person
 * in several mapped groups gets the highest role; its mappings' locations are joined, and any of
 * them covering every location (or a location group, which cannot be joined) wins as it stands.
 */
export function membershipFromGroups(
  groups: readonly string[],
  mappings: readonly RoleMapping[],
): MappedMembership | undefined {
  const held = new Set(groups);
  const matched = mappings.filter((m) => held.has(m.group));
  if (matched.length === 0) return undefined;
  const top = Math.max(...matched.map((m) => rank[m.role]));
  const best = matched.filter((m) => rank[m.role] === top);
  const role = best[0]?.role;
  if (!role) return undefined;
  const whole = best.find((m) => !m.locationIds);
  if (whole) return { role, locationIds: null, groupId: whole.groupId ?? null };
  const locations = [...new Set(best.flatMap((m) => m.locationIds ?? []))].sort();
  return { role, locationIds: locations, groupId: null };
}

/**
 * The groups an ID token or userinfo answer names under `claim`: an array of strings, or one
 * string (some providers send a single group that way); anything else is no groups.
 */
export function groupsClaim(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  return [];
}
