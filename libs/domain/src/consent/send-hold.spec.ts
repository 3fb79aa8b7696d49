import { decideSendHold, type SendHoldInput } from './send-hold';

const atlanta = { timezone: 'America/New_York' };
// 2026-11-30 is a Monday; New York is UTC-5 in November.
const local = (hhmm: string, day = '2026-11-30'): Date => new Date(`${day}T${hhmm}:00-05:00`);
const input = (over: Partial<SendHoldInput>): SendHoldInput => ({
  purpose: 'follow-up',
  to: '+14045550101', // Georgia: the federal window, 08:00–21:00, no cap
  requestedAt: null,
  location: atlanta,
  acceptedInLastDay: [],
  now: local('12:00'),
  ...over,
});

describe('decideSendHold (when a send may go)', () => {
  it.each<[string, Partial<SendHoldInput>, ReturnType<typeof decideSendHold>]>([
    ['a follow-up at noon goes', {}, { kind: 'go' }],
    [
      'a follow-up at 22:00 local waits until 08:00 the next day',
      { now: local('22:00') },
      { kind: 'defer', until: local('08:00', '2026-12-01'), reason: 'quiet hours' },
    ],
    [
      'a follow-up at 07:59 waits one minute',
      { now: local('07:59') },
      { kind: 'defer', until: local('08:00'), reason: 'quiet hours' },
    ],
    [
      'a text-back ignores quiet hours by default',
      { purpose: 'textback', now: local('23:30') },
      { kind: 'go' },
    ],
    [
      'a text-back waits when the tenant applies quiet hours to it',
      {
        purpose: 'textback',
        now: local('23:30'),
        location: { ...atlanta, quietHoursApplyToTextback: true },
      },
      { kind: 'defer', until: local('08:00', '2026-12-01'), reason: 'quiet hours' },
    ],
    [
      "the tenant's own narrower window applies",
      {
        now: local('18:30'),
        location: { ...atlanta, quietHours: { start: '09:00', end: '18:00' } },
      },
      { kind: 'defer', until: local('09:00', '2026-12-01'), reason: 'quiet hours' },
    ],
    [
      'Florida at 20:30 waits (its window ends at 20:00)',
      { to: '+13055550101', now: local('20:30') },
      { kind: 'defer', until: local('08:00', '2026-12-01'), reason: 'quiet hours' },
    ],
    ['Florida at 08:00 may go', { to: '+13055550101', now: local('08:00') }, { kind: 'go' }],
    [
      'Florida at 08:00 with 3 texts in the last 24 h waits for the oldest to age out',
      {
        to: '+13055550101',
        now: local('08:00'),
        acceptedInLastDay: [
          local('09:15', '2026-11-29'),
          local('10:00', '2026-11-29'),
          local('11:00', '2026-11-29'),
        ],
      },
      { kind: 'defer', until: local('09:15'), reason: 'frequency cap (3 per 24 hours)' },
    ],
    [
      'Florida with 2 texts in the last 24 h may go',
      { to: '+13055550101', acceptedInLastDay: [local('09:15'), local('10:00')] },
      { kind: 'go' },
    ],
    [
      'an opt-out confirmation within 5 minutes goes, at any hour',
      { purpose: 'opt-out-confirmation', now: local('23:00'), requestedAt: local('22:57') },
      { kind: 'go' },
    ],
    [
      'an opt-out confirmation after 5 minutes never goes',
      { purpose: 'opt-out-confirmation', requestedAt: local('11:54') },
      { kind: 'stop', reason: 'opt-out confirmation window (5 minutes) passed' },
    ],
    ['a HELP reply goes at any hour', { purpose: 'help', now: local('02:00') }, { kind: 'go' }],
    [
      'an operator reply goes at any hour',
      { purpose: 'operator', now: local('23:00') },
      { kind: 'go' },
    ],
  ])('%s', (_name, over, expected) => {
    expect(decideSendHold(input(over))).toEqual(expected);
  });
});
