import type { BusinessHours } from '@textback/contracts';
import { isOpenAt } from './business-hours';

const hours: BusinessHours = {
  mon: [
    { open: '08:00', close: '12:00' },
    { open: '13:00', close: '17:00' },
  ],
  sun: [{ open: '00:00', close: '24:00' }],
};

describe('isOpenAt', () => {
  it.each([
    ['2026-11-23T13:00:00Z', 'America/New_York', true], // Mon 08:00 EST: opening minute
    ['2026-11-23T12:59:00Z', 'America/New_York', false], // Mon 07:59
    ['2026-11-23T17:30:00Z', 'America/New_York', false], // lunch 12:30
    ['2026-11-23T22:00:00Z', 'America/New_York', false], // 17:00: closing minute is closed
    ['2026-11-23T15:00:00Z', 'America/Phoenix', true], // Mon 08:00 MST
    ['2026-11-22T23:59:00Z', 'America/New_York', true], // Sun 18:59, open all day
  ])('%s in %s → %s', (at, zone, open) => {
    expect(isOpenAt(hours, zone, new Date(at))).toBe(open);
  });

  it('follows the DST change: 08:00 local is 12:00Z in summer and 13:00Z in winter', () => {
    expect(isOpenAt(hours, 'America/New_York', new Date('2026-06-01T12:00:00Z'))).toBe(true); // Mon 08:00 EDT
    expect(isOpenAt(hours, 'America/New_York', new Date('2026-11-02T12:00:00Z'))).toBe(false); // Mon 07:00 EST (after 1 Nov)
    expect(isOpenAt(hours, 'America/New_York', new Date('2026-11-02T13:00:00Z'))).toBe(true);
  });
});
