import { helpReply } from './help-reply';
import { keywordIntent, normaliseKeyword } from './keywords';
import { readPlainWords } from './plain-words';
import { applicableRule, frequencyCapDeferral, nextAllowedTime, recipientOf } from './quiet-hours';

describe('keywords', () => {
  const optOuts = [
    'STOP',
    'STOPALL',
    'STOP ALL',
    'UNSUBSCRIBE',
    'UNSUB',
    'CANCEL',
    'END',
    'QUIT',
    'REVOKE',
    'OPTOUT',
    'OPT OUT',
  ];
  const variants = (k: string): string[] => [
    k,
    k.toLowerCase(),
    `${k[0]}${k.slice(1).toLowerCase()}`,
    ` ${k} `,
    `${k}.`,
    `${k}!`,
    `"${k}"`,
    `${k} 🙏`,
    `\n${k}\n`,
  ];

  it.each(optOuts.flatMap((k) => variants(k).map((v) => [JSON.stringify(v)])))(
    '%s is an opt-out',
    (json) => {
      expect(keywordIntent(JSON.parse(json) as string, false)).toBe('opt-out');
    },
  );

  it.each(['Stop.', 'stop', 'Opt-Out', 'opt_out', 'STOP  ALL', 'stop all!!'])(
    '%s is an opt-out',
    (text) => {
      expect(keywordIntent(text, false)).toBe('opt-out');
    },
  );

  it.each(['START', 'start', 'Unstop', 'RESUME!'])('%s opts back in', (text) => {
    expect(keywordIntent(text, true)).toBe('opt-in');
    expect(keywordIntent(text, false)).toBe('opt-in');
  });

  it('takes YES as an opt-in only from an opted-out number', () => {
    expect(keywordIntent('Yes', true)).toBe('opt-in');
    expect(keywordIntent('Yes', false)).toBeUndefined();
  });

  it.each(['HELP', 'help', 'Info?', ' INFO '])('%s asks for help', (text) => {
    expect(keywordIntent(text, false)).toBe('help');
  });

  it.each([
    'Can I cancel my appointment?',
    'Please stop by tomorrow',
    'the end of the week works',
    'I quit smoking',
    'STOP the leak please, water everywhere',
    'help me my basement is flooding',
    'starting Monday?',
    'stopper',
  ])('"%s" is not a keyword', (text) => {
    expect(keywordIntent(text, false)).toBeUndefined();
  });

  it('normalises punctuation and spacing around a keyword', () => {
    expect(normaliseKeyword('  ...stop-all!! ')).toBe('STOP ALL');
  });
});

describe('plain-words revocation', () => {
  it.each([
    ['please stop texting me', 'stop-messaging-me'],
    ['Stop messaging me.', 'stop-messaging-me'],
    ["don't text me again", 'do-not-message-me'],
    ['Do not contact this number', 'do-not-message-me'],
    ['remove me from your list', 'remove-me'],
    ['Take my number off your list please', 'remove-me'],
    ['unsubscribe me', 'unsubscribe-me'],
    ['no more texts', 'no-more-messages'],
    ['leave me alone', 'leave-me-alone'],
  ])('"%s" is a revocation (%s)', (text, rule) => {
    expect(readPlainWords(text)).toEqual({ kind: 'revocation', rule });
  });

  it.each([
    'Will you stop texting me if I book?',
    'how do I stop these texts?',
    'can you remove me from the list later?',
    'I got your text, stop worrying',
  ])('"%s" is flagged for a person, not acted on', (text) => {
    expect(readPlainWords(text).kind).toBe('ambiguous');
  });

  it.each([
    'Can I cancel my appointment?',
    'My AC stopped working',
    'Please stop by at 3',
    'Thanks for the text!',
    'yes please come today',
  ])('"%s" is not about consent', (text) => {
    expect(readPlainWords(text)).toEqual({ kind: 'none' });
  });
});

describe('HELP reply', () => {
  it('names the business, says how to get help and how to opt out', () => {
    const reply = helpReply({
      brandName: 'Cool Breeze Heating & Air',
      locationName: 'Atlanta North',
      businessNumbers: ['+14045550100' as never],
    });
    expect(reply).toContain('Cool Breeze Heating & Air');
    expect(reply).toContain('+14045550100');
    expect(reply).toContain('Reply STOP to opt out');
  });
});

describe('quiet hours', () => {
  it('uses the recipient zone where the number tells it, else the location zone', () => {
    expect(recipientOf('+13055550101', 'America/Los_Angeles')).toEqual({
      zone: 'America/New_York',
      state: 'FL',
      zoneFrom: 'number',
    });
    expect(recipientOf('+19185550101', 'America/New_York')).toEqual({
      zone: 'America/Chicago',
      state: 'OK',
      zoneFrom: 'number',
    });
    expect(recipientOf('+14045550101', 'America/New_York')).toEqual({
      zone: 'America/New_York',
      state: undefined,
      zoneFrom: 'location',
    });
  });

  it('applies the strictest window: federal 8–21, Florida 8–20 with 3 a day, a tenant may tighten', () => {
    expect(applicableRule(recipientOf('+14045550101', 'America/New_York'))).toMatchObject({
      start: '08:00',
      end: '21:00',
    });
    expect(applicableRule(recipientOf('+13055550101', 'America/New_York'))).toMatchObject({
      start: '08:00',
      end: '20:00',
      maxPer24h: 3,
    });
    expect(
      applicableRule(recipientOf('+14045550101', 'America/New_York'), {
        name: 'tenant',
        start: '09:00',
        end: '21:30',
      }),
    ).toMatchObject({ start: '09:00', end: '21:00' });
  });

  it.each([
    // [now (UTC), number, location zone, expected next allowed (UTC)]
    ['2026-11-23T15:00:00Z', '+14045550101', 'America/New_York', '2026-11-23T15:00:00.000Z'], // 10:00 EST: now
    ['2026-11-24T02:30:00Z', '+14045550101', 'America/New_York', '2026-11-24T13:00:00.000Z'], // 21:30 EST → 08:00 next day
    ['2026-11-23T11:00:00Z', '+14045550101', 'America/New_York', '2026-11-23T13:00:00.000Z'], // 06:00 EST → 08:00 same day
    ['2026-11-24T01:30:00Z', '+13055550101', 'America/Los_Angeles', '2026-11-24T13:00:00.000Z'], // 20:30 in Miami (FL 20:00 end)
    ['2026-11-24T01:30:00Z', '+14045550101', 'America/Los_Angeles', '2026-11-24T01:30:00.000Z'], // 17:30 in LA: now
    ['2026-11-24T04:30:00Z', '+19185550101', 'America/New_York', '2026-11-24T14:00:00.000Z'], // 22:30 CST in Tulsa → 08:00 CST
  ])('at %s to %s (location %s) → %s', (now, number, zone, expected) => {
    const recipient = recipientOf(number, zone);
    expect(nextAllowedTime(new Date(now), recipient, applicableRule(recipient)).toISOString()).toBe(
      expected,
    );
  });

  it('defers across the spring-forward and fall-back changes to 08:00 local', () => {
    const atlanta = recipientOf('+14045550101', 'America/New_York');
    const rule = applicableRule(atlanta);
    // Sat 7 Mar 2026 23:00 EST → Sun 8 Mar 08:00 EDT (clocks went forward at 02:00) = 12:00Z.
    expect(nextAllowedTime(new Date('2026-03-08T04:00:00Z'), atlanta, rule).toISOString()).toBe(
      '2026-03-08T12:00:00.000Z',
    );
    // Sat 31 Oct 2026 22:00 EDT → Sun 1 Nov 08:00 EST (clocks went back at 02:00) = 13:00Z.
    expect(nextAllowedTime(new Date('2026-11-01T02:00:00Z'), atlanta, rule).toISOString()).toBe(
      '2026-11-01T13:00:00.000Z',
    );
  });

  it('caps Florida, Oklahoma and Maryland recipients at 3 messages per 24 h, deferring the fourth', () => {
    const miami = applicableRule(recipientOf('+13055550101', 'America/New_York'));
    const atlanta = applicableRule(recipientOf('+14045550101', 'America/New_York'));
    const now = new Date('2026-11-23T18:00:00Z');
    const sent = ['2026-11-22T19:00:00Z', '2026-11-23T09:00:00Z', '2026-11-23T15:00:00Z'].map(
      (d) => new Date(d),
    );
    expect(frequencyCapDeferral(sent, miami, now)?.toISOString()).toBe('2026-11-23T19:00:00.000Z');
    expect(frequencyCapDeferral(sent.slice(1), miami, now)).toBeUndefined();
    expect(
      frequencyCapDeferral([new Date('2026-11-22T17:00:00Z'), ...sent.slice(1)], miami, now),
    ).toBeUndefined(); // one is older than 24 h
    expect(frequencyCapDeferral(sent, atlanta, now)).toBeUndefined(); // no cap outside those states
  });
});
