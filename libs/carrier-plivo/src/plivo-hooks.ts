import { InvalidPhoneNumberError, toE164, type E164 } from '@textback/contracts';

/**
 * Plivo's webhook parameters (../shared/docs/plivo.md), read here and nowhere else: each kind's
 * form fields become a typed object in our vocabulary. A field Plivo must send and did not, or
 * sent malformed, is refused naming that field (the caller answers 400).
 */
export class PlivoHookError extends Error {
  override readonly name = 'PlivoHookError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

type Params = Readonly<Record<string, string | undefined>>;

const ID = /^[A-Za-z0-9-]{8,64}$/;

function id(params: Params, field: string, fallback?: string): string {
  const value = params[field] ?? (fallback ? params[fallback] : undefined) ?? '';
  if (!ID.test(value)) throw new PlivoHookError(field, 'missing or malformed');
  return value;
}

function phone(params: Params, field: string): E164 {
  try {
    return toE164(params[field] ?? '');
  } catch {
    throw new PlivoHookError(field, 'is not a valid phone number');
  }
}

/** A withheld or unreadable caller id is not an error: the call just cannot be texted. */
function callerId(value: string | undefined): E164 | null {
  if (!value) return null;
  try {
    return toE164(value);
  } catch (err) {
    if (err instanceof InvalidPhoneNumberError) return null;
    throw err;
  }
}

const clip = (value: string | undefined, max: number): string => (value ?? '').slice(0, max);

/**
 * The call's parties. On a later callback a `To` that is not a number is ignored rather than
 * refused: the callback still counts; answer_url is where the number decides anything.
 */
function parties(p: Params, strictTo = false): CallParties {
  const to = strictTo ? (p['To'] === undefined ? undefined : phone(p, 'To')) : callerId(p['To']);
  return { to: to ?? undefined, from: callerId(p['From']) };
}

/** Who called which number: Plivo sends the call's own `From`/`To` with every voice callback. */
export interface CallParties {
  /** The business number called; undefined when Plivo did not say (no location answers then). */
  readonly to: E164 | undefined;
  readonly from: E164 | null;
}

export interface AnswerHook extends CallParties {
  readonly callUuid: string;
}

export interface DialActionHook extends CallParties {
  readonly callUuid: string;
  /** Plivo's DialStatus (`completed`, `no-answer`, `busy`, `failed`, `canceled`…). */
  readonly dialStatus: string;
  readonly bLegUuid: string;
  readonly hangupCause: string;
  /** Someone picked up and the call was bridged (the caller needs no text). */
  readonly bridged: boolean;
}

export interface DialEventHook extends CallParties {
  readonly callUuid: string;
  /** What happened on the forwarded leg: picked up, bridged to the caller, or something else. */
  readonly leg: 'answered' | 'connected' | 'other';
  /** The event's own name (one record per call and event). */
  readonly event: string;
}

export interface HangupHook extends CallParties {
  readonly callUuid: string;
  readonly hangupCause: string;
  readonly hangupSource: string;
  /** Seconds, when plausible (a whole number up to a day); else null, with what was sent. */
  readonly durationSeconds: number | null;
  readonly implausibleDuration: string | undefined;
}

export interface DeliveryReportHook {
  readonly messageUuid: string;
  /** Plivo's status, lower case (`queued`, `sent`, `delivered`, `undelivered`, `failed`…). */
  readonly status: string;
  readonly outcome: DeliveryOutcome;
  /** Orders a message's reports: an older one changes nothing. */
  readonly sequence: number;
  readonly errorCode: string | undefined;
}

export interface InboundSmsHook {
  readonly messageUuid: string;
  readonly from: E164;
  readonly to: E164;
  /** The text as sent (the caller cleans and bounds it). */
  readonly text: string;
  /** Plivo's own reading of consent keywords, when it has one. */
  readonly intent: 'optout' | 'optin' | 'help' | undefined;
}

export const readPlivoHook = {
  answer(p: Params): AnswerHook {
    return { callUuid: id(p, 'CallUUID', 'DialALegUUID'), ...parties(p, true) };
  },

  dialAction(p: Params): DialActionHook {
    const dialStatus = p['DialStatus'] ?? '';
    const bLegUuid = p['DialBLegUUID'] ?? '';
    return {
      callUuid: id(p, 'CallUUID', 'DialALegUUID'),
      ...parties(p),
      dialStatus,
      bLegUuid,
      hangupCause: p['DialHangupCause'] ?? '',
      bridged: dialStatus === 'completed' && bLegUuid !== '',
    };
  },

  dialEvent(p: Params): DialEventHook {
    const event = (p['DialAction'] ?? p['Event'] ?? '').toLowerCase();
    return {
      callUuid: id(p, 'CallUUID', 'DialALegUUID'),
      ...parties(p),
      leg:
        event === 'answer' || event === 'dialanswer'
          ? 'answered'
          : event === 'connected'
            ? 'connected'
            : 'other',
      event: event.slice(0, 64),
    };
  },

  hangup(p: Params): HangupHook {
    const raw = p['Duration'];
    const seconds = raw && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
    const plausible = seconds !== undefined && seconds <= 86_400 ? seconds : null;
    return {
      callUuid: id(p, 'CallUUID', 'DialALegUUID'),
      ...parties(p),
      hangupCause: clip(p['HangupCause'], 100),
      hangupSource: clip(p['HangupSource'], 100),
      durationSeconds: plausible,
      implausibleDuration: raw && plausible === null ? raw.slice(0, 40) : undefined,
    };
  },

  deliveryReport(p: Params): DeliveryReportHook {
    const messageUuid = id(p, 'MessageUUID');
    const status = (p['Status'] ?? '').toLowerCase();
    if (!status) throw new PlivoHookError('Status', 'missing');
    const sequence = Number.parseInt(p['Sequence'] ?? '', 10);
    if (!Number.isSafeInteger(sequence) || sequence < 0)
      throw new PlivoHookError('Sequence', 'must be a non-negative integer');
    return {
      messageUuid,
      status,
      outcome: deliveryOutcomeOf(status),
      sequence,
      errorCode: p['ErrorCode'] || undefined,
    };
  },

  inboundSms(p: Params): InboundSmsHook {
    const intent = p['MessageIntent'];
    return {
      messageUuid: id(p, 'MessageUUID'),
      from: phone(p, 'From'),
      to: phone(p, 'To'),
      text: p['Text'] ?? p['Body'] ?? '',
      intent: intent === 'optout' || intent === 'optin' || intent === 'help' ? intent : undefined,
    };
  },
} as const;

export type PlivoHookKind = keyof typeof readPlivoHook;
export type PlivoHookOf<K extends PlivoHookKind> = ReturnType<(typeof readPlivoHook)[K]>;

/** What a message's Plivo status means for us (one mapping: reports and message records alike). */
export type DeliveryOutcome = 'delivered' | 'failed' | 'in-flight';
const FAILED = new Set(['failed', 'undelivered', 'rejected']);
export function deliveryOutcomeOf(status: string): DeliveryOutcome {
  const s = status.toLowerCase();
  return s === 'delivered' ? 'delivered' : FAILED.has(s) ? 'failed' : 'in-flight';
}

const KNOWN = new Set(['queued', 'sent', 'delivered', 'undelivered', 'failed', 'rejected', 'read']);
/** A status as a metric label: Plivo's known statuses, anything else as `other` (bounded). */
export function statusLabelOf(status: string): string {
  return KNOWN.has(status) ? status : 'other';
}

/** ErrorCode 200: the carrier blocked the text because the recipient opted out (plivo.md §4). */
export const CARRIER_OPT_OUT_ERROR_CODE = '200';
