import { isQualified, nextFollowUpQuestion, type LeadGaps } from './follow-up';

const lead = (over: Partial<LeadGaps> = {}): LeadGaps => ({
  serviceType: null,
  zip: null,
  requestedTime: null,
  urgent: false,
  ...over,
});

describe('follow-up policy', () => {
  it.each<[string, LeadGaps, number, number, string | undefined]>([
    ['asks what is needed first', lead(), 0, 2, 'What do you need help with?'],
    [
      'then where',
      lead({ serviceType: 'cooling' }),
      1,
      2,
      "What's the ZIP code where you need us?",
    ],
    [
      'skips the ZIP for an urgent lead',
      lead({ serviceType: 'cooling', urgent: true }),
      1,
      2,
      'When would you like us to come out?',
    ],
    [
      'then when',
      lead({ serviceType: 'cooling', zip: '30301' }),
      1,
      3,
      'When would you like us to come out?',
    ],
    ['stops at the location limit', lead(), 2, 2, undefined],
    [
      'asks nothing of a complete lead',
      lead({ serviceType: 'cooling', zip: '30301', requestedTime: new Date() }),
      0,
      2,
      undefined,
    ],
  ])('%s', (_name, gaps, asked, max, expected) => {
    expect(nextFollowUpQuestion(gaps, asked, max)).toBe(expected);
  });

  it('calls a lead qualified once the need and a place, a time or urgency are known', () => {
    expect(isQualified(lead({ serviceType: 'cooling' }))).toBe(false);
    expect(isQualified(lead({ serviceType: 'cooling', zip: '30301' }))).toBe(true);
    expect(isQualified(lead({ serviceType: 'cooling', urgent: true }))).toBe(true);
    expect(isQualified(lead({ zip: '30301' }))).toBe(false);
  });
});
