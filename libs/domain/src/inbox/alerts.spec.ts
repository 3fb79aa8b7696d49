import { alertTargets, alertText, nextTier, tierMembers, type AlertMember } from './alerts';

const member = (
  userId: string,
  role: string,
  locationIds: string[] | null,
  extra: Partial<AlertMember> = {},
): AlertMember => ({
  userId,
  role,
  locationIds,
  email: `${userId}@example.com`,
  textPhone: '+14045550001',
  pushSubscriptions: 0,
  ...extra,
});
const team = [
  member('ana', 'operator', ['north']),
  member('ben', 'operator', ['south']),
  member('lee', 'location-manager', ['north']),
  member('bo', 'brand-admin', null),
  member('ari', 'analyst', ['north']),
];
const thread = { locationId: 'north', assignedTo: null };
const monday10 = new Date('2026-12-07T15:00:00Z'); // 10:00 in New York

describe('who is alerted, tier by tier', () => {
  it('tells the assignee, else the location’s operators, then its managers, then the brand', () => {
    expect(tierMembers(0, team, thread).map((m) => m.userId)).toEqual(['ana']);
    expect(tierMembers(0, team, { ...thread, assignedTo: 'lee' }).map((m) => m.userId)).toEqual([
      'lee',
    ]);
    expect(tierMembers(1, team, thread).map((m) => m.userId)).toEqual(['lee']);
    expect(tierMembers(2, team, thread).map((m) => m.userId)).toEqual(['bo']);
  });

  it('lets managers answer first where there are no operators, and skips an empty tier', () => {
    const noOperators = team.filter((m) => m.role !== 'operator');
    expect(tierMembers(0, noOperators, thread).map((m) => m.userId)).toEqual(['lee']);
    const noManager = team.filter((m) => m.role !== 'location-manager');
    expect(nextTier(0, noManager, thread)).toBe(2);
    expect(nextTier(2, team, thread)).toBeUndefined();
    expect(nextTier(-1, [], thread)).toBeUndefined();
  });
});

describe('how each person is reached', () => {
  it('uses the channels chosen that can reach them', () => {
    const people = [
      member('ana', 'operator', ['north'], { pushSubscriptions: 2 }),
      member('cy', 'operator', ['north'], {
        textPhone: null,
        setting: { channels: ['sms', 'email'], timezone: 'UTC', shifts: null },
      }),
    ];
    expect(alertTargets(people, false, monday10)).toEqual([
      { userId: 'ana', channel: 'sms' },
      { userId: 'ana', channel: 'push' },
      { userId: 'ana', channel: 'email' },
      { userId: 'cy', channel: 'email' },
    ]);
  });

  it('reaches someone off shift only for an urgent thread', () => {
    const mornings = member('ana', 'operator', ['north'], {
      setting: {
        channels: ['sms'],
        timezone: 'America/New_York',
        shifts: { mon: [{ open: '06:00', close: '09:00' }] },
      },
    });
    expect(alertTargets([mornings], false, monday10)).toEqual([]);
    expect(alertTargets([mornings], true, monday10)).toEqual([{ userId: 'ana', channel: 'sms' }]);
    expect(alertTargets([mornings], false, new Date('2026-12-07T12:30:00Z'))).toHaveLength(1);
  });
});

describe('what an alert says', () => {
  it('names who waits and where, the start of their text, and how long at a later tier', () => {
    expect(
      alertText({
        urgent: true,
        tier: 1,
        locationName: 'Atlanta North',
        customer: 'Maria',
        message: 'x'.repeat(100),
        waitedMinutes: 6,
      }),
    ).toEqual({
      title: 'URGENT: Maria texted Atlanta North',
      body: `"${'x'.repeat(79)}…" No reply for 6 min. Reply in the inbox.`,
    });
  });
});
