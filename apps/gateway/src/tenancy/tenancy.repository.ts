import { z } from 'zod';
import type { E164 } from '@textback/contracts';
import {
  col,
  scopeParams,
  type Database,
  type Sql,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import {
  LocationRequest,
  TenantRequest,
  type LocationSettings,
  type TenantSettings,
} from './tenancy.requests';

const LocationRow = z.object({
  locationId: col.locationId,
  tenantId: col.tenantId,
  version: col.int,
  settings: LocationRequest,
  updatedAt: col.timestamp,
});
export type LocationRow = z.output<typeof LocationRow>;

const Owner = z.object({ number: col.e164, locationId: col.locationId });
const Exists = z.object({ exists: col.bool });

/** Tenants, their locations and the business numbers that ring at them (the gateway owns these). */
export const tenancyRepository = {
  /** Creates or replaces the tenant's settings; true when it was created. */
  async saveTenant(tx: Tx, scope: TenantScope, settings: TenantSettings): Promise<boolean> {
    const row = await tx.selectOne(
      z.object({ created: col.bool }),
      `INSERT INTO tenant (tenant_id, settings) VALUES ($1, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()
       RETURNING (xmax = 0) AS created`,
      [scope.tenantId, JSON.stringify(settings)],
    );
    return row.created;
  },

  /** Marks the tenant a sandbox (set once, when a partner client's sandbox is made). */
  async markSandbox(tx: Tx, scope: TenantScope): Promise<void> {
    await tx.mutate('UPDATE tenant SET sandbox = true WHERE tenant_id = $1', [scope.tenantId]);
  },

  async isSandbox(sql: Sql, scope: TenantScope): Promise<boolean> {
    const row = await sql.selectFirst(
      z.object({ sandbox: col.bool }),
      'SELECT sandbox FROM tenant WHERE tenant_id = $1',
      [scope.tenantId],
    );
    return row?.sandbox ?? false;
  },

  async tenantSettings(sql: Sql, scope: TenantScope): Promise<TenantSettings | undefined> {
    const row = await sql.selectFirst(
      z.object({ settings: TenantRequest }),
      'SELECT settings FROM tenant WHERE tenant_id = $1',
      [scope.tenantId],
    );
    return row?.settings;
  },

  /** Every tenant's id and settings (the platform admin's list). */
  allTenants(db: Database, _scope: SystemScope) {
    return db.select(
      z.object({ tenantId: col.tenantId, settings: TenantRequest }),
      'SELECT tenant_id, settings FROM tenant ORDER BY tenant_id',
    );
  },

  async tenantExists(db: Database, scope: TenantScope): Promise<boolean> {
    const row = await db.selectOne(
      Exists,
      'SELECT EXISTS (SELECT 1 FROM tenant WHERE tenant_id = $1) AS exists',
      [scope.tenantId],
    );
    return row.exists;
  },

  locations(
    sql: Sql,
    scope: TenantScope,
    options: { lock?: boolean } = {},
  ): Promise<LocationRow[]> {
    return sql.select(
      LocationRow,
      `SELECT * FROM location WHERE tenant_id = $1 AND ($2::text[] IS NULL OR location_id = ANY($2::text[]))
       ORDER BY location_id${options.lock ? ' FOR UPDATE' : ''}`,
      scopeParams(scope),
    );
  },

  /**
   * A location by id, whichever tenant has it: location ids and business numbers are unique
   * across the platform, so a write must see another tenant's to refuse taking it over.
   */
  anyTenantsLocation(
    tx: Tx,
    _scope: SystemScope,
    locationId: string,
  ): Promise<LocationRow | undefined> {
    return tx.selectFirst(LocationRow, 'SELECT * FROM location WHERE location_id = $1 FOR UPDATE', [
      locationId,
    ]);
  },

  async locationExists(db: Database, _scope: SystemScope, locationId: string): Promise<boolean> {
    const row = await db.selectOne(
      Exists,
      'SELECT EXISTS (SELECT 1 FROM location WHERE location_id = $1) AS exists',
      [locationId],
    );
    return row.exists;
  },

  /** Which of these numbers already ring at another location, of any tenant. */
  numbersElsewhere(
    tx: Tx,
    _scope: SystemScope,
    numbers: readonly E164[],
    locationId: string,
  ): Promise<z.output<typeof Owner>[]> {
    return tx.select(
      Owner,
      'SELECT number, location_id FROM business_number WHERE number = ANY($1) AND location_id <> $2',
      [numbers, locationId],
    );
  },

  async saveLocation(
    tx: Tx,
    scope: TenantScope,
    l: { locationId: string; version: number; settings: LocationSettings },
  ): Promise<void> {
    await tx.mutate(
      `INSERT INTO location (location_id, tenant_id, version, settings) VALUES ($1, $2, $3, $4)
       ON CONFLICT (location_id) DO UPDATE SET version = EXCLUDED.version, settings = EXCLUDED.settings, updated_at = now()
       WHERE location.tenant_id = EXCLUDED.tenant_id`,
      [l.locationId, scope.tenantId, l.version, JSON.stringify(l.settings)],
    );
    await tx.mutate(
      'DELETE FROM business_number WHERE location_id = $1 AND location_id IN (SELECT location_id FROM location WHERE tenant_id = $2)',
      [l.locationId, scope.tenantId],
    );
    await tx.mutate(
      'INSERT INTO business_number (number, location_id) SELECT unnest($1::text[]), $2',
      [l.settings.businessNumbers, l.locationId],
    );
  },

  async setVersion(tx: Tx, scope: TenantScope, locationId: string, version: number): Promise<void> {
    await tx.mutate('UPDATE location SET version = $3 WHERE location_id = $1 AND tenant_id = $2', [
      locationId,
      scope.tenantId,
      version,
    ]);
  },
};
