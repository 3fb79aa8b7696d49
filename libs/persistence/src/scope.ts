import type { LocationId, TenantId } from '@textback/contracts';

declare const tenantScopeBrand: unique symbol;
declare const systemScopeBrand: unique symbol;

/**
 * What a caller may read and write: one tenant, and the locations within it the caller may see
 * (`all` for a tenant-wide credential). Every repository method over a tenant's data takes one
 * and filters by it, so a query cannot forget the tenant. Made by `tenantScope` (an
 * authenticated request) or `scopeOf` (an event, which names its tenant).
 */
export interface TenantScope {
  readonly tenantId: TenantId;
  readonly locationIds: 'all' | readonly LocationId[];
  readonly [tenantScopeBrand]: 'tenant';
}

/**
 * Work across tenants by design (relays, retention jobs, workers claiming due rows of every
 * tenant, a service's copy of the location directory). Obtained only through `systemScope`, in
 * the files a lint rule lists, and logged where it is obtained.
 */
export interface SystemScope {
  readonly purpose: string;
  readonly [systemScopeBrand]: 'system';
}

export function tenantScope(
  tenantId: TenantId,
  locationIds: 'all' | readonly LocationId[] = 'all',
): TenantScope {
  return { tenantId, locationIds } as TenantScope; // the one place a scope is minted
}

/** The scope of the event being handled: its tenant, and its location when it names one. */
export function scopeOf(envelope: {
  payload: { tenantId: TenantId; locationId?: LocationId | undefined };
}): TenantScope {
  const { tenantId, locationId } = envelope.payload;
  return tenantScope(tenantId, locationId === undefined ? 'all' : [locationId]);
}

export function systemScope(
  purpose: string,
  log: { info(fields: object, message: string): void },
): SystemScope {
  log.info({ purpose }, 'system scope granted (cross-tenant data access)');
  return { purpose } as SystemScope; // the one place a system scope is minted
}

/**
 * Bind parameters of a scope filter, for `tenant_id = $n AND ($m::text[] IS NULL OR
 * location_id = ANY($m::text[]))`: the tenant, and the visible locations (null: all).
 */
export function scopeParams(scope: TenantScope): [TenantId, LocationId[] | null] {
  return [scope.tenantId, scope.locationIds === 'all' ? null : [...scope.locationIds]];
}

/** Whether a scope may see a location (for rows read by key, checked after the read). */
export function scopeSees(
  scope: TenantScope,
  row: { tenantId: string; locationId?: string },
): boolean {
  if (row.tenantId !== scope.tenantId) return false;
  return (
    scope.locationIds === 'all' ||
    row.locationId === undefined ||
    scope.locationIds.some((l) => l === row.locationId)
  );
}
