import { readFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LocationId, LocationProfile, TenantId } from '@textback/contracts';
import { addToOutbox } from '@textback/persistence';
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

interface LocationRow {
  location_id: string;
  tenant_id: string;
  version: number;
  settings: LocationSettings;
}

/**
 * Owns tenants, locations and business numbers. Every change publishes the location's whole
 * profile (`location.configured.v1`) in the same transaction, so every service's copy converges.
 */
@Injectable()
export class TenancyService {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  private get db() {
    return this.runtime.dataSource;
  }

  async putTenant(
    tenantId: string,
    body: unknown,
  ): Promise<{ tenantId: string; created: boolean } & TenantSettings> {
    const id = this.slug(TenantId, 'tenantId', tenantId);
    const parsed = { data: parseRequest(TenantRequest, body) };
    const created = await this.db.transaction(async (tx) => {
      const rows: { created: boolean }[] = await tx.query(
        `INSERT INTO tenant (tenant_id, settings) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()
         RETURNING (xmax = 0) AS created`,
        [id, JSON.stringify(parsed.data)],
      );
      // Brand settings are part of every location's profile: republish them all.
      const locations: LocationRow[] = await tx.query(
        'SELECT * FROM location WHERE tenant_id = $1 FOR UPDATE',
        [id],
      );
      for (const l of locations)
        await this.publish(tx, id, parsed.data, l.location_id, l.version + 1, l.settings);
      return rows[0]?.created === true;
    });
    this.runtime.outbox.wake();
    return { tenantId: id, created, ...parsed.data };
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
    const settings = parseRequest(LocationRequest, body);
    await this.checkUrls(settings);
    const result = await this.db.transaction(async (tx) => {
      const tenant = await this.tenantSettings(tx, tid);
      const existing: LocationRow[] = await tx.query(
        'SELECT * FROM location WHERE location_id = $1 FOR UPDATE',
        [lid],
      );
      const current = existing[0];
      if (current && current.tenant_id !== tid)
        throw new GatewayError('conflict', `location ${lid} belongs to another tenant`);
      const owners: { number: string; location_id: string }[] = await tx.query(
        'SELECT number, location_id FROM business_number WHERE number = ANY($1) AND location_id <> $2',
        [settings.businessNumbers, lid],
      );
      if (owners.length > 0) {
        throw new GatewayError(
          'conflict',
          `${owners.map((o) => `${o.number} already rings at location ${o.location_id}`).join('; ')}`,
        );
      }
      const version = (current?.version ?? 0) + 1;
      await tx.query(
        `INSERT INTO location (location_id, tenant_id, version, settings) VALUES ($1, $2, $3, $4)
         ON CONFLICT (location_id) DO UPDATE SET version = EXCLUDED.version, settings = EXCLUDED.settings, updated_at = now()`,
        [lid, tid, version, JSON.stringify(settings)],
      );
      await tx.query('DELETE FROM business_number WHERE location_id = $1', [lid]);
      await tx.query(
        'INSERT INTO business_number (number, location_id) SELECT unnest($1::text[]), $2',
        [settings.businessNumbers, lid],
      );
      const profile = await this.publish(tx, tid, tenant, lid, version, settings);
      return { ...profile, created: !current };
    });
    this.runtime.outbox.wake();
    return result;
  }

  async getTenant(
    tenantId: string,
  ): Promise<{ tenantId: string; locations: LocationProfile[] } & TenantSettings> {
    const settings = await this.tenantSettings(this.db.manager, tenantId);
    return { tenantId, ...settings, locations: await this.listLocations(tenantId) };
  }

  async listLocations(tenantId: string): Promise<LocationProfile[]> {
    const tenant = await this.tenantSettings(this.db.manager, tenantId);
    const rows: (LocationRow & { updated_at: Date })[] = await this.db.query(
      'SELECT * FROM location WHERE tenant_id = $1 ORDER BY location_id',
      [tenantId],
    );
    return rows.map((r) =>
      this.profileOf(tenantId, tenant, r.location_id, r.version, r.settings, r.updated_at),
    );
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
      const known: unknown[] = await this.db.query('SELECT 1 FROM tenant WHERE tenant_id = $1', [
        tenantId,
      ]);
      if (known.length === 0) {
        await this.putTenant(tenantId, tenant);
        tenants++;
      }
      for (const { locationId, ...location } of locs) {
        const exists: unknown[] = await this.db.query(
          'SELECT 1 FROM location WHERE location_id = $1',
          [locationId],
        );
        if (exists.length > 0) continue;
        await this.putLocation(tenantId, locationId, location);
        locations++;
      }
    }
    return { tenants, locations };
  }

  private async tenantSettings(tx: EntityManager, tenantId: string): Promise<TenantSettings> {
    const rows: { settings: TenantSettings }[] = await tx.query(
      'SELECT settings FROM tenant WHERE tenant_id = $1',
      [tenantId],
    );
    const row = rows[0];
    if (!row) throw new GatewayError('not-found', `no tenant ${tenantId}`);
    return row.settings;
  }

  private profileOf(
    tenantId: string,
    tenant: TenantSettings,
    locationId: string,
    version: number,
    s: LocationSettings,
    updatedAt: Date,
  ): LocationProfile {
    return LocationProfile.parse({
      tenantId,
      locationId,
      version,
      active: s.active,
      brandName: tenant.brandName,
      locationName: s.name,
      vertical: tenant.vertical,
      businessNumbers: s.businessNumbers,
      forwardTo: s.forwardTo,
      ringTimeoutSeconds: s.ringTimeoutSeconds,
      screenCalls: s.screenCalls,
      timezone: s.timezone,
      businessHours: s.businessHours,
      textbackHours: s.textbackHours,
      afterHoursCall: s.afterHoursCall,
      template: s.template,
      ...(s.bookingUrl ? { bookingUrl: s.bookingUrl } : {}),
      dedupeWindowMinutes: s.dedupeWindowMinutes,
      sendDelaySeconds: s.sendDelaySeconds,
      spamNumbers: s.spamNumbers,
      ...(s.averageTicket ? { averageTicket: s.averageTicket } : {}),
      ...(s.onCallNumber ? { onCallNumber: s.onCallNumber } : {}),
      ...(s.onCallWebhookUrl ? { onCallWebhookUrl: s.onCallWebhookUrl } : {}),
      maxFollowUpQuestions: s.maxFollowUpQuestions ?? 2,
      ...(tenant.campaignId ? { campaignId: tenant.campaignId } : {}),
      ...(tenant.brandDailyCap ? { brandDailyCap: tenant.brandDailyCap } : {}),
      optOutScope: tenant.optOutScope ?? 'tenant',
      quietHoursApplyToTextback: tenant.quietHoursApplyToTextback ?? false,
      confirmOptOut: tenant.confirmOptOut ?? false,
      ...(tenant.quietHours ? { quietHours: tenant.quietHours } : {}),
      ...(tenant.monthlyPrice ? { monthlyPrice: tenant.monthlyPrice } : {}),
      updatedAt: updatedAt.toISOString(),
    });
  }

  private async publish(
    tx: EntityManager,
    tenantId: string,
    tenant: TenantSettings,
    locationId: string,
    version: number,
    s: LocationSettings,
  ): Promise<LocationProfile> {
    await tx.query('UPDATE location SET version = $2 WHERE location_id = $1', [
      locationId,
      version,
    ]);
    const profile = this.profileOf(tenantId, tenant, locationId, version, s, new Date());
    await addToOutbox(tx, 'location.configured.v1', profile);
    return profile;
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
