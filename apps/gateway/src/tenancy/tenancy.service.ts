import { readFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { LocationId, LocationProfile, TenantId } from '@textback/contracts';
import {
  addToOutbox,
  systemScope,
  tenantScope,
  type Sql,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import {
  checkEgressUrl,
  describeIssues,
  EgressRefusedError,
  parseRequest,
  RUNTIME,
  type ServiceRuntime,
} from '@textback/service-kit';
import { GatewayError } from '../errors';
import {
  LocationRequest,
  TenancySeed,
  TenantRequest,
  type LocationSettings,
  type TenantSettings,
} from './tenancy.requests';
import { locationProfileOf } from './location-profile';
import { tenancyRepository as tenancy } from './tenancy.repository';

/**
 * Owns tenants, locations and business numbers. Every change publishes the location's whole
 * profile (`location.configured.v1`) in the same transaction, so every service's copy converges.
 */
@Injectable()
export class TenancyService {
  /** Location ids and business numbers are unique across tenants: writes check them all. */
  private readonly platformWide: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.platformWide = systemScope(
      'gateway: location ids and business numbers are unique platform-wide',
      runtime.logger,
    );
  }

  /**
   * Creates or replaces a tenant. `sandbox-…` ids are the platform's (a partner client's sandbox,
   * `o.sandbox`): nobody else creates one.
   */
  async putTenant(
    tenantId: string,
    body: unknown,
    o: { sandbox?: boolean } = {},
  ): Promise<{ tenantId: string; created: boolean } & TenantSettings> {
    const id = this.slug(TenantId, 'tenantId', tenantId);
    const scope = tenantScope(id);
    const settings = parseRequest(TenantRequest, body);
    if (id.startsWith('sandbox-') !== !!o.sandbox)
      throw new GatewayError('invalid-request', 'tenantId: sandbox-… is for partner sandboxes');
    const created = await this.runtime.transaction(async (tx) => {
      const created = await tenancy.saveTenant(tx, scope, settings);
      if (o.sandbox) await tenancy.markSandbox(tx, scope);
      // Brand settings are part of every location's profile: republish them all.
      for (const l of await tenancy.locations(tx, scope, { lock: true }))
        await this.publish(tx, scope, settings, l.locationId, l.version + 1, l.settings);
      return created;
    });
    return { tenantId: id, created, ...settings };
  }

  /**
   * Links that go into texts and pages are https (http only in development); the on-call webhook
   * is a URL we will call, so it passes the egress check (public addresses only) when saved, and
   * again at each delivery.
   */
  private async checkUrls(settings: LocationSettings): Promise<void> {
    const allowInsecure = this.runtime.config.EGRESS_ALLOW_INSECURE;
    if (settings.bookingUrl) {
      const protocol = new URL(settings.bookingUrl).protocol;
      if (protocol !== 'https:' && !(allowInsecure && protocol === 'http:')) {
        throw new GatewayError(
          'invalid-request',
          `bookingUrl: must be an https link (got ${protocol.replace(/:$/, '')})`,
        );
      }
    }
    if (settings.onCallWebhookUrl) {
      try {
        await checkEgressUrl(settings.onCallWebhookUrl, { allowInsecure });
      } catch (err) {
        if (err instanceof EgressRefusedError)
          throw new GatewayError('invalid-request', `onCallWebhookUrl: ${err.message}`);
        throw err;
      }
    }
  }

  async putLocation(
    tenantId: string,
    locationId: string,
    body: unknown,
  ): Promise<LocationProfile & { created: boolean }> {
    const tid = this.slug(TenantId, 'tenantId', tenantId);
    const lid = this.slug(LocationId, 'locationId', locationId);
    const scope = tenantScope(tid);
    const settings = parseRequest(LocationRequest, body);
    await this.checkUrls(settings);
    return this.runtime.transaction(async (tx) => {
      const tenant = await this.tenantSettings(tx, scope);
      const current = await tenancy.anyTenantsLocation(tx, this.platformWide, lid);
      if (current && current.tenantId !== tid)
        throw new GatewayError('conflict', `location ${lid} belongs to another tenant`);
      const owners = await tenancy.numbersElsewhere(
        tx,
        this.platformWide,
        settings.businessNumbers,
        lid,
      );
      if (owners.length > 0) {
        throw new GatewayError(
          'conflict',
          `${owners.map((o) => `${o.number} already rings at location ${o.locationId}`).join('; ')}`,
        );
      }
      const version = (current?.version ?? 0) + 1;
      await tenancy.saveLocation(tx, scope, { locationId: lid, version, settings });
      const profile = await this.publish(tx, scope, tenant, lid, version, settings);
      return { ...profile, created: !current };
    });
  }

  /** Every tenant with its locations (the admin key is the platform's: it sees all tenants). */
  async listTenants(): Promise<
    ({ tenantId: string; locations: LocationProfile[] } & TenantSettings)[]
  > {
    const tenants = await tenancy.allTenants(this.runtime.db, this.platformWide);
    return Promise.all(
      tenants.map(async (t) => ({
        tenantId: t.tenantId,
        ...t.settings,
        locations: await this.listLocations(t.tenantId),
      })),
    );
  }

  async getTenant(
    tenantId: string,
  ): Promise<{ tenantId: string; locations: LocationProfile[] } & TenantSettings> {
    const settings = await this.tenantSettings(this.runtime.db, this.scopeOf(tenantId));
    return { tenantId, ...settings, locations: await this.listLocations(tenantId) };
  }

  async listLocations(tenantId: string): Promise<LocationProfile[]> {
    const scope = this.scopeOf(tenantId);
    const tenant = await this.tenantSettings(this.runtime.db, scope);
    const rows = await tenancy.locations(this.runtime.db, scope);
    return rows.map((r) =>
      locationProfileOf(scope.tenantId, tenant, r.locationId, r.version, r.settings, r.updatedAt),
    );
  }

  /** Whether the tenant is a partner's sandbox. */
  isSandbox(tenantId: string): Promise<boolean> {
    return tenancy.isSandbox(this.runtime.db, this.scopeOf(tenantId));
  }

  /** The tenant's locations (all, or those named) as stored: the partner API's Location. */
  async locationRecords(tenantId: string, locationIds: 'all' | readonly string[] = 'all') {
    const tid = this.slug(TenantId, 'tenantId', tenantId);
    await this.tenantSettings(this.runtime.db, tenantScope(tid));
    const ids =
      locationIds === 'all'
        ? 'all'
        : locationIds.map((l) => this.slug(LocationId, 'locationId', l));
    return tenancy.locations(this.runtime.db, tenantScope(tid, ids));
  }

  async getLocation(tenantId: string, locationId: string): Promise<LocationProfile> {
    const found = (await this.listLocations(tenantId)).find((l) => l.locationId === locationId);
    if (!found)
      throw new GatewayError('not-found', `no location ${locationId} in tenant ${tenantId}`);
    return found;
  }

  /** Creates what the seed file names and the database lacks; never overwrites an operator's edits. */
  async seed(file: string): Promise<{ tenants: number; locations: number }> {
    const parsed = TenancySeed.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) throw new Error(`seed file ${file}: ${describeIssues(parsed.error)}`);
    let tenants = 0;
    let locations = 0;
    for (const { tenantId, locations: locs, ...tenant } of parsed.data.tenants) {
      const scope = tenantScope(this.slug(TenantId, 'tenantId', tenantId));
      if (!(await tenancy.tenantExists(this.runtime.db, scope))) {
        await this.putTenant(tenantId, tenant);
        tenants++;
      }
      for (const { locationId, ...location } of locs) {
        if (await tenancy.locationExists(this.runtime.db, this.platformWide, locationId)) continue;
        await this.putLocation(tenantId, locationId, location);
        locations++;
      }
    }
    return { tenants, locations };
  }

  private async tenantSettings(sql: Sql, scope: TenantScope): Promise<TenantSettings> {
    const settings = await tenancy.tenantSettings(sql, scope);
    if (!settings) throw new GatewayError('not-found', `no tenant ${scope.tenantId}`);
    return settings;
  }

  private async publish(
    tx: Tx,
    scope: TenantScope,
    tenant: TenantSettings,
    locationId: string,
    version: number,
    s: LocationSettings,
  ): Promise<LocationProfile> {
    await tenancy.setVersion(tx, scope, locationId, version);
    const profile = locationProfileOf(
      scope.tenantId,
      tenant,
      locationId,
      version,
      s,
      this.runtime.clock.now(),
      await tenancy.isSandbox(tx, scope),
    );
    await addToOutbox(tx, 'location.configured.v1', profile);
    return profile;
  }

  private scopeOf(tenantId: string): TenantScope {
    return tenantScope(this.slug(TenantId, 'tenantId', tenantId));
  }

  private slug<T>(
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
    name: string,
    value: string,
  ): T {
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      throw new GatewayError('invalid-request', `${name}: must be a lowercase slug (a-z, 0-9, -)`);
    return parsed.data;
  }
}
