import { Counter, Gauge, type Registry } from 'prom-client';
import { LocationProfile, type E164, type LocationId } from '@textback/contracts';
import {
  systemScope,
  type Database,
  type SystemScope,
  type TenantScope,
} from '@textback/persistence';
import { every, type PeriodicTask } from '@textback/service-kit';
import { locationDirectoryRepository as stored } from './location-directory.repository';

/** What the directory needs of its service: the database, where to log, where to count. */
export interface DirectoryRuntime {
  readonly db: Database;
  readonly service: string;
  readonly logger: {
    info(fields: object, message: string): void;
    warn(fields: object, message: string): void;
    error(fields: object, message: string): void;
  };
  readonly registry: Registry;
}

/**
 * Each service's own copy of every location's profile, fed by `location.configured.v1`.
 * Reads are from memory (call-ingest answers Plivo's answer_url from it without any network
 * hop); the table makes the copy survive restarts, and a periodic reload keeps replicas that
 * did not consume an update themselves in step.
 */
export class LocationDirectory {
  private byId = new Map<string, LocationProfile>();
  private byNumber = new Map<string, LocationProfile>();
  /** The stored row version (`xmin`) each location was last read at, readable or not. */
  private readonly readAt = new Map<string, string>();
  /** Locations whose stored profile this version cannot read (served from their last good copy). */
  private readonly unreadable = new Set<string>();
  private reloading: PeriodicTask | undefined;
  private readonly listeners: ((profile: LocationProfile) => void)[] = [];

  private readonly invalid: Gauge | undefined;
  private readonly reloadFailures: Counter | undefined;
  /** Every service reads every location's profile: the directory is a copy of all tenants'. */
  private readonly everyTenant: SystemScope;

  private readonly db: Database;

  constructor(
    private readonly runtime: DirectoryRuntime,
    private readonly options: { reloadMs?: number } = {},
  ) {
    this.db = runtime.db;
    const prefix = runtime.service.replace(/-/g, '_');
    this.everyTenant = systemScope('location directory: every location profile', runtime.logger);
    this.invalid = runtime.registry
      ? new Gauge({
          name: `${prefix}_location_directory_invalid_profiles`,
          help: 'Stored location profiles this version cannot read (kept, not served; a schema change needs a migration)',
          registers: [runtime.registry],
        })
      : undefined;
    this.reloadFailures = runtime.registry
      ? new Counter({
          name: `${prefix}_location_directory_reload_failures_total`,
          help: 'Reloads of the location directory that failed (the copy in memory stays as it was)',
          registers: [runtime.registry],
        })
      : undefined;
  }

  async start(): Promise<void> {
    await this.reload();
    // A failed reload keeps the copy in memory; it is logged and counted (and alerted on).
    this.reloading = every(
      this.runtime,
      'location-directory-reload',
      this.options.reloadMs ?? 5_000,
      () =>
        this.reload().catch((err: unknown) => {
          this.reloadFailures?.inc();
          throw err;
        }),
    );
  }

  async stop(): Promise<void> {
    await this.reloading?.stop();
  }

  /** Called with each profile that changes this copy (a service may react to a location arriving). */
  onChange(listener: (profile: LocationProfile) => void): void {
    this.listeners.push(listener);
  }

  /** Keeps the newest version of a profile; older or repeated versions change nothing. */
  async apply(scope: TenantScope, profile: LocationProfile): Promise<void> {
    await stored.keepNewest(this.db, scope, profile);
    const known = this.byId.get(profile.locationId);
    if (!known || known.version < profile.version) {
      this.index([...this.withoutLocation(profile.locationId), profile]);
      for (const listener of this.listeners) listener(profile);
    }
  }

  /**
   * Brings the copy in step with the table, reading and parsing only the rows written since the
   * last reload (each row's version is PostgreSQL's `xmin`): a brand with thousands of locations
   * must not cost every replica of every service a parse of all of them every few seconds.
   * A profile this version cannot read is not silently dropped: it is logged and counted (an
   * alert fires), and the copy keeps the last good version of that location, so a schema change
   * never makes locations vanish from a running service.
   */
  async reload(): Promise<void> {
    const versions = await stored.versions(this.db, this.everyTenant);
    const present = new Set<string>(versions.map((v) => v.locationId));
    const changed = versions
      .filter((v) => this.readAt.get(v.locationId) !== v.rowVersion)
      .map((v) => v.locationId);
    const removed = [...this.readAt.keys()].filter((id) => !present.has(id));
    if (changed.length === 0 && removed.length === 0) return;
    const rows =
      changed.length > 0 ? await stored.profiles(this.db, this.everyTenant, changed) : [];
    const next = new Map(this.byId);
    for (const id of removed) {
      next.delete(id);
      this.readAt.delete(id);
      this.unreadable.delete(id);
    }
    for (const r of rows) {
      this.readAt.set(r.locationId, r.rowVersion);
      const parsed = LocationProfile.safeParse(r.profile);
      if (parsed.success) {
        // A newer version applied from the topic while this reload read the table stays.
        const known = next.get(r.locationId);
        if (!known || known.version <= parsed.data.version) next.set(r.locationId, parsed.data);
        this.unreadable.delete(r.locationId);
        continue;
      }
      this.unreadable.add(r.locationId);
      this.runtime.logger.error(
        {
          locationId: r.locationId,
          issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
        },
        'stored location profile cannot be read; kept the last good copy',
      );
    }
    this.invalid?.set(this.unreadable.size);
    this.index([...next.values()]);
  }

  location(locationId: LocationId | string): LocationProfile | undefined {
    return this.byId.get(locationId);
  }

  /** The active location a business number belongs to. */
  locationOfNumber(number: E164 | string): LocationProfile | undefined {
    return this.byNumber.get(number);
  }

  /** Whether a tenant has any location here (services know tenants through their locations). */
  hasTenant(tenantId: string): boolean {
    for (const p of this.byId.values()) if (p.tenantId === tenantId) return true;
    return false;
  }

  all(): LocationProfile[] {
    return [...this.byId.values()];
  }

  private withoutLocation(locationId: string): LocationProfile[] {
    return [...this.byId.values()].filter((p) => p.locationId !== locationId);
  }

  private index(profiles: LocationProfile[]): void {
    const byId = new Map<string, LocationProfile>();
    const byNumber = new Map<string, LocationProfile>();
    for (const p of profiles) {
      byId.set(p.locationId, p);
      if (p.active) for (const n of p.businessNumbers) byNumber.set(n, p);
    }
    this.byId = byId;
    this.byNumber = byNumber;
  }
}
