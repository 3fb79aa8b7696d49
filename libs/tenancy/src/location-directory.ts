import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { LocationProfile, type E164, type LocationId } from '@textback/contracts';

/**
 * Each service's own copy of every location's profile, fed by `location.configured.v1`.
 * Reads are from memory (call-ingest answers Plivo's answer_url from it without any network
 * hop); the table makes the copy survive restarts, and a periodic reload keeps replicas that
 * did not consume an update themselves in step.
 */
export class LocationDirectory {
  private byId = new Map<string, LocationProfile>();
  private byNumber = new Map<string, LocationProfile>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { reloadMs?: number } = {},
  ) {}

  async start(): Promise<void> {
    await this.reload();
    const every = this.options.reloadMs ?? 5_000;
    this.timer = setInterval(() => void this.reload().catch(() => undefined), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Keeps the newest version of a profile; older or repeated versions change nothing. */
  async apply(profile: LocationProfile): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO location_directory (location_id, tenant_id, version, profile, updated_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (location_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, version = EXCLUDED.version,
         profile = EXCLUDED.profile, updated_at = now()
       WHERE location_directory.version < EXCLUDED.version`,
      [profile.locationId, profile.tenantId, profile.version, JSON.stringify(profile)],
    );
    const known = this.byId.get(profile.locationId);
    if (!known || known.version < profile.version) this.index([...this.withoutLocation(profile.locationId), profile]);
  }

  async reload(): Promise<void> {
    const rows: { profile: unknown }[] = await this.dataSource.query('SELECT profile FROM location_directory');
    this.index(rows.flatMap((r) => {
      const parsed = LocationProfile.safeParse(r.profile);
      return parsed.success ? [parsed.data] : [];
    }));
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

/** The directory's table, added to each consuming service's migrations. */
export class LocationDirectory1763900000000 implements MigrationInterface {
  name = 'LocationDirectory1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE location_directory (
        location_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        version integer NOT NULL,
        profile jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE location_directory');
  }
}
