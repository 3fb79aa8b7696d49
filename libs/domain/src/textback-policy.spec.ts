import { CallOutcome, E164, LocationProfile } from '@textback/contracts';
import { decideTextback, isMissedCall, type TextbackContext } from './textback-policy';

const location = LocationProfile.parse({
  tenantId: 'cool-breeze-hvac',
  locationId: 'atlanta-north',
  version: 1,
  active: true,
  brandName: 'Cool Breeze Heating & Air',
  locationName: 'Atlanta North',
  vertical: 'hvac',
  businessNumbers: ['+14045550100'],
  forwardTo: '+14045550190',
  ringTimeoutSeconds: 20,
  screenCalls: true,
  timezone: 'America/New_York',
  businessHours: { mon: [{ open: '08:00', close: '17:00' }] },
  textbackHours: 'always',
  afterHoursCall: 'forward',
  template: 'Hi from {{business}}',
  dedupeWindowMinutes: 1440,
  sendDelaySeconds: 0,
  spamNumbers: ['+14045550666'],
  updatedAt: '2026-11-01T00:00:00Z',
});

// Monday 2026-11-23 10:00 in New York (EST, UTC-5).
const mondayMorning = '2026-11-23T15:00:00.000Z';
const context = (
  over: Partial<TextbackContext> = {},
  call: Partial<TextbackContext['call']> = {},
): TextbackContext => ({
  call: {
    outcome: 'no-answer',
    callerNumber: E164.parse('+14045550101'),
    endedAt: mondayMorning,
    ...call,
  },
  location,
  consent: 'no-record',
  lastTextbackAt: undefined,
  lineType: 'mobile',
  now: new Date(mondayMorning),
  ...over,
});

describe('decideTextback', () => {
  it.each(CallOutcome.options.filter((o) => o !== 'answered'))(
    'texts back a %s call',
    (outcome) => {
      expect(isMissedCall(outcome)).toBe(true);
      expect(decideTextback(context({}, { outcome }))).toEqual({
        outcome: 'requested',
        sendAfter: new Date(mondayMorning),
      });
    },
  );

  it.each<[string, Partial<TextbackContext>, Partial<TextbackContext['call']>, string]>([
    ['an answered call', {}, { outcome: 'answered' }, 'call-answered'],
    ['a number no location owns', { location: undefined }, {}, 'location-not-found'],
    [
      'an inactive location',
      { location: { ...location, active: false } },
      {},
      'location-not-found',
    ],
    ['a caller on the spam list', {}, { callerNumber: E164.parse('+14045550666') }, 'spam-caller'],
    ['an opted-out caller', { consent: 'opted-out' }, {}, 'opted-out'],
    [
      'a caller texted 2 hours ago (24 h window)',
      { lastTextbackAt: new Date(Date.parse(mondayMorning) - 2 * 3600_000) },
      {},
      'duplicate-within-window',
    ],
    ['a landline', { lineType: 'fixed' }, {}, 'landline'],
    [
      'a call in hours when the location texts only after hours',
      { location: { ...location, textbackHours: 'after-hours' } },
      {},
      'outside-business-hours',
    ],
    [
      'a call at night when the location texts only in hours',
      { location: { ...location, textbackHours: 'business-hours' } },
      { endedAt: '2026-11-24T03:00:00.000Z' },
      'outside-business-hours',
    ],
  ])('suppresses %s', (_name, over, call, reason) => {
    expect(decideTextback(context(over, call))).toEqual({ outcome: 'suppressed', reason });
  });

  it('texts again once the dedupe window has passed, and not at all with a zero window', () => {
    expect(
      decideTextback(
        context({ lastTextbackAt: new Date(Date.parse(mondayMorning) - 25 * 3600_000) }),
      ).outcome,
    ).toBe('requested');
    expect(
      decideTextback(
        context({
          lastTextbackAt: new Date(mondayMorning),
          location: { ...location, dedupeWindowMinutes: 0 },
        }),
      ).outcome,
    ).toBe('requested');
  });

  it('texts at night when the location texts after hours, and applies its send delay', () => {
    const night = '2026-11-24T03:00:00.000Z';
    const decision = decideTextback(
      context(
        {
          location: { ...location, textbackHours: 'after-hours', sendDelaySeconds: 90 },
          now: new Date(night),
        },
        { endedAt: night },
      ),
    );
    expect(decision).toEqual({
      outcome: 'requested',
      sendAfter: new Date(Date.parse(night) + 90_000),
    });
  });

  it('texts when Lookup could not say what the line is', () => {
    expect(decideTextback(context({ lineType: undefined })).outcome).toBe('requested');
  });

  it('reports the first rule that applies: spam before opt-out before dedupe', () => {
    expect(
      decideTextback(
        context(
          { consent: 'opted-out', lastTextbackAt: new Date(mondayMorning) },
          { callerNumber: E164.parse('+14045550666') },
        ),
      ),
    ).toEqual({ outcome: 'suppressed', reason: 'spam-caller' });
  });
});
