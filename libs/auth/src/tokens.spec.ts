import { LocationId, TenantId } from '@textback/contracts';
import {
  AccessDeniedError,
  authorize,
  authorizeLocation,
  memberAccess,
  membershipRefusal,
  type Access,
} from './access';
import { mayGrantRole, rolePermissions } from './roles';
import { InvalidTokenError, newSigningKey, TokenIssuer, TokenVerifier } from './tokens';

const acme = TenantId.parse('acme-hvac');
const other = TenantId.parse('other-brand');
const north = LocationId.parse('atlanta-north');
const south = LocationId.parse('atlanta-south');

const operator: Access = {
  subject: 'user-1',
  kind: 'user',
  role: 'operator',
  tenantId: acme,
  locationIds: [north],
  permissions: rolePermissions.operator,
};

class Clock {
  constructor(public at: Date) {}
  now(): Date {
    return this.at;
  }
}

describe('access tokens (ES256, rotated by kid)', () => {
  it('issues a token every service verifies locally, with what the credential may do', async () => {
    const clock = new Clock(new Date('2026-12-01T10:00:00Z'));
    const issuer = await TokenIssuer.fromKeys([await newSigningKey('k1')]);
    const token = await issuer.issue(operator, 300, clock.now());
    const access = await TokenVerifier.ofJwks(issuer.jwks, clock).verify(token);
    expect(access).toEqual(operator);
    expect(JSON.stringify(issuer.jwks)).not.toContain('"d"'); // the JWKS has no private part
  });

  it('refuses an expired token (by the service clock), a tampered one and one from another key', async () => {
    const clock = new Clock(new Date('2026-12-01T10:00:00Z'));
    const issuer = await TokenIssuer.fromKeys([await newSigningKey('k1')]);
    const verifier = TokenVerifier.ofJwks(issuer.jwks, clock);
    const token = await issuer.issue(operator, 300, clock.now());
    clock.at = new Date('2026-12-01T10:05:06Z');
    await expect(verifier.verify(token)).rejects.toThrow(new InvalidTokenError('token expired'));
    clock.at = new Date('2026-12-01T10:01:00Z');
    const [h, , s] = token.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ ...operator, tid: '*' })).toString(
      'base64url',
    );
    await expect(verifier.verify(`${h}.${forgedClaims}.${s}`)).rejects.toThrow('token invalid');
    const stranger = await TokenIssuer.fromKeys([await newSigningKey('k1')]);
    await expect(verifier.verify(await stranger.issue(operator, 300, clock.now()))).rejects.toThrow(
      'token invalid',
    );
  });

  it('rotates: a new key signs, tokens of the old kid verify until they expire', async () => {
    const clock = new Clock(new Date('2026-12-01T10:00:00Z'));
    const k1 = await newSigningKey('k1');
    const before = await TokenIssuer.fromKeys([k1]);
    const oldToken = await before.issue(operator, 300, clock.now());
    const after = await TokenIssuer.fromKeys([k1, await newSigningKey('k2')]);
    const newToken = await after.issue(operator, 300, clock.now());
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString())).toMatchObject({
      kid: 'k2',
    });
    const verifier = TokenVerifier.ofJwks(after.jwks, clock);
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ subject: 'user-1' });
    await expect(verifier.verify(newToken)).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('publishes a key before it signs (activeFrom), so caches have it first', async () => {
    const k2 = { ...(await newSigningKey('k2')), activeFrom: '2026-12-01T10:15:00Z' };
    const issuer = await TokenIssuer.fromKeys([await newSigningKey('k1'), k2]);
    const kidAt = async (at: string) =>
      (
        JSON.parse(
          Buffer.from(
            (await issuer.issue(operator, 300, new Date(at))).split('.')[0]!,
            'base64url',
          ).toString(),
        ) as { kid: string }
      ).kid;
    expect(issuer.jwks.keys.map((k) => k.kid)).toEqual(['k1', 'k2']);
    expect(JSON.stringify(issuer.jwks)).not.toContain('activeFrom');
    expect(await kidAt('2026-12-01T10:14:59Z')).toBe('k1');
    expect(await kidAt('2026-12-01T10:15:00Z')).toBe('k2');
  });
});

describe('authorization (role, tenant and locations → the repositories’ TenantScope)', () => {
  it("gives a credential its own tenant's scope, narrowed to its locations", () => {
    expect(authorize(operator, 'inbox:read', acme)).toMatchObject({
      tenantId: acme,
      locationIds: [north],
    });
  });

  it('refuses another tenant, a missing permission and another location', () => {
    expect(() => authorize(operator, 'inbox:read', other)).toThrow(AccessDeniedError);
    expect(() => authorize(operator, 'reports:read', acme)).toThrow(/may not reports:read/);
    expect(() => authorizeLocation(operator, 'inbox:read', acme, south)).toThrow(
      /does not cover location atlanta-south/,
    );
  });

  it('lets a platform admin act on any tenant, and no role grant a higher one', () => {
    const admin: Access = {
      subject: 'root',
      kind: 'user',
      role: 'platform-admin',
      tenantId: '*',
      locationIds: 'all',
      permissions: rolePermissions['platform-admin'],
    };
    expect(authorize(admin, 'tenants:manage', other)).toMatchObject({ tenantId: other });
    expect(mayGrantRole('location-manager', 'brand-admin')).toBe(false);
    expect(mayGrantRole('brand-admin', 'location-manager')).toBe(true);
    expect(mayGrantRole('operator', 'analyst')).toBe(false);
  });

  it('lets nobody add a member above its role or beyond its locations', () => {
    const manager: Access = {
      ...operator,
      role: 'location-manager',
      permissions: rolePermissions['location-manager'],
    };
    expect(membershipRefusal(manager, 'operator', [north])).toBeUndefined();
    expect(membershipRefusal(manager, 'operator', [south])).toBe(
      'locations: outside your locations',
    );
    expect(membershipRefusal(manager, 'operator', 'all')).toBe('locations: outside your locations');
    expect(membershipRefusal(manager, 'brand-admin', [north])).toBe(
      'a location-manager may not make a brand-admin',
    );
    expect(
      membershipRefusal({ ...operator, kind: 'api-key', role: undefined }, 'analyst', [north]),
    ).toBe('only a person or the platform may add users');
  });

  it("gives a member its role's permissions over its own locations, else its group's", () => {
    const base = { userId: 'u1', tenantId: acme, role: 'operator' as const };
    expect(memberAccess({ ...base, locationIds: [north], groupLocationIds: null })).toEqual({
      ...operator,
      subject: 'user:u1',
    });
    expect(
      memberAccess({ ...base, locationIds: null, groupLocationIds: [north, south] }).locationIds,
    ).toEqual([north, south]);
    expect(memberAccess({ ...base, locationIds: null, groupLocationIds: null }).locationIds).toBe(
      'all',
    );
  });
});
