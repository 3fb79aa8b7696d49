import { readFileSync, writeFileSync } from 'node:fs';
import { bootstrapAccess } from '@textback/auth';
import { TenantId, type LocationId } from '@textback/contracts';
import { randomBytes } from 'node:crypto';
import { IdentityService, SignInService } from '@textback/gateway';
import { tenantScope } from '@textback/persistence';
import type { RunningService } from '@textback/service-kit';

export interface DevPerson {
  email: string;
  role: string;
  tenantId: string | null;
  locationIds: readonly string[] | null;
  /** Exchanged at the gateway's /v1/auth/token (grant_type=refresh_token) for access tokens. */
  refreshToken: string;
  /** Signs in on the pages (with `email`). */
  password: string;
}

interface SeedFile {
  tenants: { tenantId: string; locations: { locationId: string }[] }[];
}

/**
 * `npm start` makes, once per data dir, a platform administrator and for each seeded franchise a
 * brand-admin, a location manager (over a region of its first locations), an operator (its first
 * location) and an analyst, and keeps their refresh tokens in dev-secrets.json under `people`.
 * Once the administrator exists the bootstrap admin key is refused, as in production.
 */
export async function seedDevPeople(
  gateway: RunningService,
  seedFile: string,
  secretsFile: string,
): Promise<{ created: number; file: string }> {
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as { people?: DevPerson[] };
  if (secrets.people) return { created: 0, file: secretsFile };
  const identity = gateway.app.get(IdentityService);
  const signIn = gateway.app.get(SignInService);
  const passwordFor = async (userId: string): Promise<string> => {
    const password = randomBytes(12).toString('base64url');
    await signIn.setPassword(userId, password);
    return password;
  };
  const actor = { ...bootstrapAccess(), subject: 'npm-start' };
  const people: DevPerson[] = [];
  const admin = await identity.addPlatformAdmin(
    actor,
    { email: 'admin@textback.localhost', name: 'Platform Admin' },
    'refresh-token',
  );
  if ('refreshToken' in admin)
    people.push({
      email: admin.email,
      role: 'platform-admin',
      tenantId: null,
      locationIds: null,
      refreshToken: admin.refreshToken,
      password: await passwordFor(admin.userId),
    });
  const seed = JSON.parse(readFileSync(seedFile, 'utf8')) as SeedFile;
  for (const tenant of seed.tenants) {
    const scope = tenantScope(TenantId.parse(tenant.tenantId));
    const locations = tenant.locations.map((l) => l.locationId as LocationId);
    const region = locations.slice(0, 2);
    await identity.addGroup(scope, { groupId: 'region-1', name: 'Region 1', locationIds: region });
    const members = [
      { role: 'brand-admin', extra: {} },
      { role: 'location-manager', extra: { groupId: 'region-1' } },
      { role: 'operator', extra: { locationIds: locations.slice(0, 1) } },
      { role: 'analyst', extra: {} },
    ] as const;
    for (const { role, extra } of members) {
      const made = await identity.addMember(
        scope,
        actor,
        {
          email: `${role}@${tenant.tenantId}.localhost`,
          name: `${role} (${tenant.tenantId})`,
          role,
          ...extra,
        },
        'refresh-token',
      );
      if ('refreshToken' in made)
        people.push({
          email: made.email,
          role,
          tenantId: tenant.tenantId,
          locationIds: made.locationIds,
          refreshToken: made.refreshToken,
          password: await passwordFor(made.userId),
        });
    }
  }
  writeFileSync(secretsFile, JSON.stringify({ ...secrets, people }, null, 2), { mode: 0o600 });
  return { created: people.length, file: secretsFile };
}
