import { LocationProfile } from '@textback/contracts';
import { countSegments, renderTextback } from './textback-message';

const base = LocationProfile.parse({
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
  businessHours: {},
  textbackHours: 'always',
  afterHoursCall: 'forward',
  template:
    'Hi, this is {{business}} ({{location}}). Sorry we missed your call! Book: {{bookingUrl}}',
  bookingUrl: 'https://coolbreeze.example/book',
  dedupeWindowMinutes: 1440,
  sendDelaySeconds: 0,
  spamNumbers: [],
  updatedAt: '2026-11-01T00:00:00Z',
});

describe('renderTextback', () => {
  it('fills the variables, names the business and adds the STOP footer', () => {
    const t = renderTextback(base);
    expect(t.body).toBe(
      'Hi, this is Cool Breeze Heating & Air (Atlanta North). Sorry we missed your call! Book: https://coolbreeze.example/book Reply STOP to opt out.',
    );
    expect(t).toMatchObject({ segments: 1, encoding: 'GSM-7' });
  });

  it('does not add a second opt-out line, and tidies an empty booking link', () => {
    const t = renderTextback({
      ...base,
      template: 'Hi from {{business}} {{bookingUrl}}. Reply STOP to stop texts.',
      bookingUrl: undefined,
    });
    expect(t.body).toBe('Hi from Cool Breeze Heating & Air. Reply STOP to stop texts.');
  });

  it('counts GSM-7 and UCS-2 segments as carriers do', () => {
    expect(countSegments('a'.repeat(160))).toEqual({ segments: 1, encoding: 'GSM-7' });
    expect(countSegments('a'.repeat(161))).toEqual({ segments: 2, encoding: 'GSM-7' });
    expect(countSegments('é'.repeat(70))).toEqual({ segments: 1, encoding: 'GSM-7' }); // é is in GSM-7
    expect(countSegments(`${'a'.repeat(69)}😀`)).toEqual({ segments: 2, encoding: 'UCS-2' }); // emoji = 2 UTF-16 units
    expect(countSegments('ñ'.repeat(70) + 'ś')).toEqual({ segments: 2, encoding: 'UCS-2' });
  });
});
