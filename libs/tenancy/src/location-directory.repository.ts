import { z } from 'zod';
import type { LocationProfile } from '@textback/contracts';
import { col, type Database, type SystemScope, type TenantScope } from '@textback/persistence';

const StoredProfile = z.object({ locationId: col.locationId, profile: col.json });
export type StoredProfile = z.output<typeof StoredProfile>;

/** A service's stored copy of the location profiles (the `location_directory` table). */
export const locationDirectoryRepository = {
  /** Keeps the newest version of a profile; an older or repeated version changes nothing. */
  async keepNewest(db: Database, scope: TenantScope, profile: LocationProfile): Promise<void> {
    if (profile.tenantId !== scope.tenantId)
      throw new Error(`profile of tenant ${profile.tenantId} outside scope ${scope.tenantId}`);
    await db.mutate(
      `INSERT INTO location_directory (location_id, tenant_id, version, profile, updated_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (location_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, version = EXCLUDED.version,
         profile = EXCLUDED.profile, updated_at = now()
       WHERE location_directory.version < EXCLUDED.version`,
      [profile.locationId, profile.tenantId, profile.version, JSON.stringify(profile)],
    );
  },

  /** Every tenant's stored profiles, as stored (the caller validates them). */
  all(db: Database, _scope: SystemScope): Promise<StoredProfile[]> {
    return db.select(StoredProfile, 'SELECT location_id, profile FROM location_directory');
  },
};
