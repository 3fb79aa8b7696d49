import { E164 } from '@textback/contracts';
import { renderCannedReply, unknownCannedVariables } from './canned-reply';
import { customerClock } from './customer-clock';
import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor';

const location = {
  brandName: 'Cool Breeze Heating & Air',
  locationName: 'Atlanta North',
  bookingUrl: 'https://book.example/cb',
  businessNumbers: [E164.parse('+14045550100')],
};

describe('canned replies', () => {
  it('fills every variable for the customer and the person sending', () => {
    expect(
      renderCannedReply(
        'Hi {{customerName}}, {{ agentName }} from {{business}} ({{location}}). Book: {{bookingUrl}} or call {{phone}}.',
        { location, customerName: 'Maria', agentName: 'Dana Whitfield' },
      ),
    ).toBe(
      'Hi Maria, Dana from Cool Breeze Heating & Air (Atlanta North). Book: https://book.example/cb or call +14045550100.',
    );
  });

  it('leaves out a name nobody noted without a stray space before punctuation', () => {
    expect(
      renderCannedReply('Hi {{customerName}}, this is {{agentName}}!', {
        location,
        customerName: null,
        agentName: null,
      }),
    ).toBe('Hi, this is!');
  });

  it('names unknown variables (a typo would reach the customer)', () => {
    expect(unknownCannedVariables('Hi {{customerNmae}} from {{business}} {{ foo }}')).toEqual([
      'customerNmae',
      'foo',
    ]);
    expect(unknownCannedVariables('Plain {text} and {{agentName}}')).toEqual([]);
  });
});

describe("the customer's clock", () => {
  it('uses the area code zone and says when quiet hours end', () => {
    // 02:30 UTC on 7 Dec is 21:30 in New York: past the federal 21:00.
    const c = customerClock(
      '+14045550177',
      { timezone: 'America/Denver' },
      new Date('2026-12-07T02:30:00Z'),
    );
    expect(c).toMatchObject({ zone: 'America/Denver', localTime: '19:30', quietHours: false });
    const fl = customerClock(
      '+13055550177',
      { timezone: 'America/Denver' },
      new Date('2026-12-07T01:30:00Z'),
    );
    // Florida (305): its 20:00 end applies, in New York time.
    expect(fl).toMatchObject({ zone: 'America/New_York', localTime: '20:30', quietHours: true });
    expect(fl.windowOpensAt).toBe('2026-12-07T13:00:00.000Z');
  });

  it("applies the tenant's own tighter window", () => {
    const c = customerClock(
      '+447700900123',
      { timezone: 'Europe/London', quietHours: { start: '09:00', end: '18:00' } },
      new Date('2026-12-07T08:30:00Z'),
    );
    expect(c).toMatchObject({ zone: 'Europe/London', quietHours: true, rule: 'tenant' });
  });
});

describe('inbox cursors', () => {
  const cursor = {
    order: 'latest' as const,
    urgent: true,
    at: '2026-12-06 14:03:54.927123+00',
    id: '7b0f4a54-9a4f-4c55-9c39-2f1f7d0f4a11',
  };

  it('round-trips the sort key with its microseconds', () => {
    expect(decodeInboxCursor(encodeInboxCursor(cursor), 'latest')).toEqual({ ok: true, cursor });
  });

  it('refuses a crafted cursor, or one of another order, with a reason', () => {
    expect(decodeInboxCursor('bm90LWEtY3Vyc29y', 'latest')).toEqual({
      ok: false,
      reason: 'is not a cursor this inbox gave',
    });
    const forged = Buffer.from(JSON.stringify({ ...cursor, id: "1' OR 1=1" })).toString(
      'base64url',
    );
    expect(decodeInboxCursor(forged, 'latest').ok).toBe(false);
    expect(decodeInboxCursor(encodeInboxCursor(cursor), 'waiting')).toEqual({
      ok: false,
      reason: 'was given for order=latest, not waiting',
    });
  });
});
