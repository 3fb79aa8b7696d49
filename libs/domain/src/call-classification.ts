import type { CallOutcome } from '@textback/contracts';

/**
 * What Plivo told us about one inbound call (plivo.md §1.6), gathered from answer_url, the Dial
 * action, the Dial callbackUrl events and hangup_url, which arrive in any order.
 */
export interface PlivoCallSignals {
  /** Our answer XML dialled the business phone (false: e.g. an after-hours announcement). */
  readonly dialed: boolean;
  /** The Dial asked the person picking up to press a key (voicemail cannot). */
  readonly screened: boolean;
  readonly dialStatus?: string;
  readonly dialBLegUuid?: string;
  readonly dialHangupCause?: string;
  /** A callbackUrl event said the B leg answered (a person or a voicemail greeting). */
  readonly bLegAnswered: boolean;
  /** A callbackUrl event said the B leg was bridged (with screening: the key was pressed). */
  readonly bLegConnected: boolean;
  readonly hangupCause?: string;
  readonly hangupSource?: string;
}

const CALLER_HUNG_UP = new Set(['ORIGINATOR_CANCEL']);
const FAILURES = new Set([
  'NORMAL_TEMPORARY_FAILURE',
  'RECOVERY_ON_TIMER_EXPIRE',
  'SUBSCRIBER_ABSENT',
  'CALL_REJECTED',
  'UNALLOCATED_NUMBER',
  'NO_ROUTE_DESTINATION',
]);

/**
 * How the call ended for the business. `DialStatus=completed` with a B-leg UUID is a person
 * (the B-leg UUID is empty when nobody answered); with screening, a B leg that answered but was
 * never connected is a voicemail greeting, whatever DialStatus says (unverified, plivo.md §9.3).
 */
export function classifyPlivoCall(s: PlivoCallSignals): CallOutcome {
  const callerHungUp =
    CALLER_HUNG_UP.has(s.hangupCause ?? '') ||
    s.dialStatus === 'cancel' ||
    s.dialHangupCause === 'ORIGINATOR_CANCEL';
  if (s.dialStatus === 'completed' && s.dialBLegUuid) return 'answered';
  if (s.dialStatus === undefined && s.bLegConnected) return 'answered';
  if (s.dialStatus === undefined && s.bLegAnswered && !s.screened) return 'answered';
  if (s.bLegAnswered && s.screened) return 'voicemail';
  if (s.dialStatus === 'busy' || s.dialHangupCause === 'USER_BUSY') return 'busy';
  if (callerHungUp) return 'caller-abandoned';
  if (
    s.dialStatus === 'no-answer' ||
    s.dialStatus === 'timeout' ||
    s.dialHangupCause === 'NO_ANSWER'
  )
    return 'no-answer';
  if (
    s.dialStatus === 'failed' ||
    FAILURES.has(s.dialHangupCause ?? '') ||
    FAILURES.has(s.hangupCause ?? '')
  )
    return 'failed';
  if (s.dialed && s.hangupSource !== undefined && /^caller$/i.test(s.hangupSource))
    return 'caller-abandoned';
  // Not dialled (after hours), or the Dial ended without a verdict: nobody spoke to the caller.
  return 'no-answer';
}
