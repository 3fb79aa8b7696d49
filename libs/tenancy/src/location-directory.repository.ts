import { z } from 'zod';
import type { LocationProfile } from '@textback/contracts';
import { col, type Database, type SystemScope, type TenantScope } from '@textback/persistence';

/**
 * `rowVersion` is the row's `xmin`: it changes with every write to the row (an update by any
 * means, not only a newer profile version), so a reload can fetch and parse only what changed.
 */
const StoredVersion = z.object({ locationId: col.locationId, rowVersion: col.text });
export type StoredVersion = z.output<typeof StoredVersion>;
const StoredProfile = StoredVersion.extend({ profile: col.json });
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

  /** Every tenant's stored locations with their row versions (no profiles: cheap to poll). */
  versions(db: Database, _scope: SystemScope): Promise<StoredVersion[]> {
    return db.select(
      StoredVersion,
      'SELECT location_id, xmin::text AS row_version FROM location_directory',
    );
  },

  /** These locations' stored profiles, as stored (the caller validates them). */
  profiles(db: Database, _scope: SystemScope, locationIds: string[]): Promise<StoredProfile[]> {
    return db.select(
      StoredProfile,
      `SELECT location_id, xmin::text AS row_version, profile FROM location_directory
        WHERE location_id = ANY($1::text[])`,
      [locationIds],
    );
  },
};
