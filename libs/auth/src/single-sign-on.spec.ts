import type { LocationId } from '@textback/contracts';
import { groupsClaim, membershipFromGroups, type RoleMapping } from './single-sign-on';

const mappings: RoleMapping[] = [
  { group: 'atl-operators', role: 'operator', locationIds: ['atlanta-north' as LocationId] },
  { group: 'phx-operators', role: 'operator', locationIds: ['phoenix-central' as LocationId] },
  { group: 'southeast-managers', role: 'location-manager', groupId: 'southeast' },
  { group: 'analysts', role: 'analyst' },
  { group: 'it-admins', role: 'brand-admin' },
];

describe('membershipFromGroups', () => {
  it('gives no access when no group maps', () => {
    expect(membershipFromGroups([], mappings)).toBeUndefined();
    expect(membershipFromGroups(['marketing'], mappings)).toBeUndefined();
  });

  it('maps one group to its role and locations', () => {
    expect(membershipFromGroups(['atl-operators', 'marketing'], mappings)).toEqual({
      role: 'operator',
      locationIds: ['atlanta-north' as LocationId],
      groupId: null,
    });
  });

  it('joins the locations of groups with the same role', () => {
    expect(membershipFromGroups(['phx-operators', 'atl-operators'], mappings)).toEqual({
      role: 'operator',
      locationIds: ['atlanta-north', 'phoenix-central'],
      groupId: null,
    });
  });

  it('takes the highest role a person holds', () => {
    expect(membershipFromGroups(['atl-operators', 'southeast-managers'], mappings)).toEqual({
      role: 'location-manager',
      locationIds: null,
      groupId: 'southeast',
    });
    expect(membershipFromGroups(['analysts', 'it-admins'], mappings)?.role).toBe('brand-admin');
  });

  it('lets a mapping without locations cover the whole tenant', () => {
    expect(membershipFromGroups(['analysts'], mappings)).toEqual({
      role: 'analyst',
      locationIds: null,
      groupId: null,
    });
  });
});

describe('groupsClaim', () => {
  it('reads an array or a single string, and nothing else', () => {
    expect(groupsClaim({ groups: ['a', 'b', 3] }, 'groups')).toEqual(['a', 'b']);
    expect(groupsClaim({ roles: 'a' }, 'roles')).toEqual(['a']);
    expect(groupsClaim({ groups: { a: true } }, 'groups')).toEqual([]);
    expect(groupsClaim({}, 'groups')).toEqual([]);
  });
});
