import { classifyPlivoCall, type PlivoCallSignals } from './call-classification';

const none: PlivoCallSignals = {
  dialed: true,
  screened: true,
  bLegAnswered: false,
  bLegConnected: false,
};

describe('classifyPlivoCall (plivo.md §1.6)', () => {
  it.each<[string, Partial<PlivoCallSignals>, string]>([
    [
      'a bridged call',
      {
        dialStatus: 'completed',
        dialBLegUuid: 'b',
        bLegAnswered: true,
        bLegConnected: true,
        hangupCause: 'NORMAL_CLEARING',
      },
      'answered',
    ],
    [
      'a bridged call whose action never came',
      { bLegAnswered: true, bLegConnected: true, hangupCause: 'NORMAL_CLEARING' },
      'answered',
    ],
    [
      'an unscreened answer without the action',
      { screened: false, bLegAnswered: true, hangupCause: 'NORMAL_CLEARING' },
      'answered',
    ],
    [
      'ring-out',
      {
        dialStatus: 'no-answer',
        dialHangupCause: 'NO_ANSWER',
        dialBLegUuid: '',
        hangupCause: 'NORMAL_CLEARING',
        hangupSource: 'Answer XML',
      },
      'no-answer',
    ],
    ['a carrier timeout', { dialStatus: 'timeout', hangupCause: 'NORMAL_CLEARING' }, 'no-answer'],
    [
      'busy',
      { dialStatus: 'busy', dialHangupCause: 'USER_BUSY', hangupCause: 'NORMAL_CLEARING' },
      'busy',
    ],
    ['busy by cause only', { dialStatus: 'failed', dialHangupCause: 'USER_BUSY' }, 'busy'],
    [
      'the caller hanging up mid-ring, no action',
      { hangupCause: 'ORIGINATOR_CANCEL', hangupSource: 'Caller' },
      'caller-abandoned',
    ],
    [
      'the caller hanging up mid-ring, action cancel',
      {
        dialStatus: 'cancel',
        dialHangupCause: 'ORIGINATOR_CANCEL',
        hangupCause: 'ORIGINATOR_CANCEL',
        hangupSource: 'Caller',
      },
      'caller-abandoned',
    ],
    [
      'a screened voicemail, DialStatus no-answer',
      { dialStatus: 'no-answer', dialBLegUuid: '', bLegAnswered: true },
      'voicemail',
    ],
    [
      'a screened voicemail, DialStatus completed without a bridge',
      { dialStatus: 'completed', dialBLegUuid: '', bLegAnswered: true },
      'voicemail',
    ],
    [
      'a failed dial',
      { dialStatus: 'failed', dialHangupCause: 'NORMAL_TEMPORARY_FAILURE' },
      'failed',
    ],
    [
      'an after-hours announcement (no Dial)',
      { dialed: false, hangupCause: 'NORMAL_CLEARING', hangupSource: 'Answer XML' },
      'no-answer',
    ],
  ])('%s', (_name, signals, outcome) => {
    expect(classifyPlivoCall({ ...none, ...signals })).toBe(outcome);
  });
});
