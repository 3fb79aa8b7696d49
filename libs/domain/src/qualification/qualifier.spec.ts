import { RulesQualifier } from './qualifier';

const q = new RulesQualifier();
// Monday 23 Nov 2026, 10:00 in Atlanta (EST).
const now = new Date('2026-11-23T15:00:00Z');

describe('RulesQualifier', () => {
  it('reads the HVAC emergency of the issue: cooling out in 95 degrees, zip, today', () => {
    const r = q.qualify({
      text: "AC is out and it's 95 degrees, 30301, can someone come today?",
      vertical: 'hvac',
      timezone: 'America/New_York',
      now,
    });
    expect(r).toMatchObject({
      serviceType: 'cooling',
      urgent: true,
      emergency: 'no-cooling-in-heat',
      zip: '30301',
    });
  });

  it.each<[string, string, string | undefined, string | undefined, boolean]>([
    ['hvac', 'furnace stopped working and it is 38 degrees inside', 'heating', 'no-heat', true],
    ['hvac', 'I smell gas near the furnace', 'heating', 'gas-smell', true],
    ['hvac', 'looking for a tune-up next month', 'maintenance', undefined, false],
    ['plumbing', 'basement is flooding!!', undefined, 'flooding', true],
    ['plumbing', 'slow drain in the kitchen', 'drain', undefined, false],
    ['vet', 'my dog ate chocolate an hour ago', undefined, 'toxic-ingestion', true],
    ['vet', 'cat needs her annual shots', 'wellness', undefined, false],
    ['dental', 'knocked out a tooth playing hockey', undefined, 'knocked-out-tooth', true],
    ['dental', 'I need a cleaning', 'cleaning', undefined, false],
    ['electrical', 'outlet is sparking', 'outlets-wiring', 'sparks-or-burning', true],
    ['auto', 'car broke down on I-75', undefined, 'stranded', true],
    ['legal', 'my son was arrested last night', 'criminal', 'in-custody', true],
  ])('%s: "%s"', (vertical, text, serviceType, emergency, urgent) => {
    const r = q.qualify({ text, vertical: vertical as never, timezone: 'America/New_York', now });
    expect(r.serviceType).toBe(serviceType);
    expect(r.emergency).toBe(emergency);
    expect(r.urgent).toBe(urgent);
  });

  it('reads a requested time in the location zone', () => {
    const r = q.qualify({
      text: 'can you come tomorrow at 9am?',
      vertical: 'hvac',
      timezone: 'America/Denver',
      now,
    });
    expect(r.requestedTime?.toISOString()).toBe('2026-11-24T16:00:00.000Z'); // 09:00 MST
    expect(r.requestedTimeText).toBe('tomorrow at 9am');
  });

  it('places a requested time across the DST change in that zone, not at the reference offset', () => {
    const march = new Date('2026-03-06T15:00:00Z'); // Friday, EST
    const r = q.qualify({
      text: 'Monday at 10am works',
      vertical: 'dental',
      timezone: 'America/New_York',
      now: march,
    });
    expect(r.requestedTime?.toISOString()).toBe('2026-03-09T14:00:00.000Z'); // 10:00 EDT
  });

  it('does not take a temperature for a zip code', () => {
    expect(
      q.qualify({ text: 'it is 100 degrees', vertical: 'hvac', timezone: 'America/New_York', now })
        .zip,
    ).toBeUndefined();
  });
});
