import type { LocationId } from '@textback/contracts';
import type { TenantScope } from '@textback/persistence';
import type { MemberRow } from './identity.repository';
import type { MemberView } from './identity.service';

/** The locations a membership covers: its own, its group's, or all. */
export function effectiveLocations(m: MemberRow): 'all' | readonly LocationId[] {
  return m.locationIds ?? m.groupLocationIds ?? 'all';
}

/** Whether a member lies wholly within the scope (a manager sees only people in its locations). */
export function within(scope: TenantScope, m: MemberRow): boolean {
  const locations = effectiveLocations(m);
  const mine = scope.locationIds;
  return mine === 'all' || (locations !== 'all' && locations.every((l) => mine.includes(l)));
}

/** A member as the API shows them. */
export function memberView(m: MemberRow): MemberView {
  return {
    userId: m.userId,
    email: m.email,
    name: m.displayName,
    role: m.role,
    locationIds: m.locationIds ?? m.groupLocationIds,
    groupId: m.groupId,
    createdAt: m.createdAt.toISOString(),
  };
}
