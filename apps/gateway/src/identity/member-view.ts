import type { LocationId, MemberChangedV1, TenantId } from '@textback/contracts';
import { addToOutbox, type TenantScope, type Tx } from '@textback/persistence';
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

/** The membership as the other services learn it (`member.changed.v1`); platform admins have none. */
export function memberChanged(
  tenantId: TenantId,
  m: MemberRow,
  removed: boolean,
  at: Date,
): MemberChangedV1 | undefined {
  if (m.role === 'platform-admin') return undefined;
  const locations = effectiveLocations(m);
  return {
    tenantId,
    userId: m.userId,
    displayName: m.displayName,
    role: m.role,
    locationIds: locations === 'all' ? null : [...locations],
    removed,
    email: m.email,
    textPhone: m.phone && m.textConsentAt ? m.phone : null,
    changedAt: at.toISOString(),
  };
}

/** Tells the other services (the inbox's team) of a membership as it now is, with the change. */
export async function announceMember(
  tx: Tx,
  scope: TenantScope,
  m: MemberRow,
  removed: boolean,
  at: Date,
): Promise<void> {
  const change = memberChanged(scope.tenantId, m, removed, at);
  if (change) await addToOutbox(tx, 'member.changed.v1', change);
}
