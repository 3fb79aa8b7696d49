import { randomUUID } from 'node:crypto';
import { webhookNonce } from './nonce';
import { XMLParser } from 'fast-xml-parser';
import { plivoSignatureHeaders } from '@textback/carrier-plivo';
import { exchangeWithin } from '@textback/exchange';

/**
 * Plays an inbound call the way Plivo's voice platform would (plivo.md §1): answer_url, then the
 * Dial's callbackUrl events and action, then the application's hangup_url, each form-encoded and
 * V3-signed. Orders and duplicates can be varied: Plivo promises neither.
 */
export type CallScenario = 'missed' | 'busy' | 'abandoned' | 'voicemail' | 'answered';

export interface PlayCallOptions {
  readonly answerUrl: string;
  readonly hangupUrl: string;
  readonly authToken: string;
  readonly from: string;
  readonly to: string;
  readonly scenario: CallScenario;
  readonly callUuid?: string;
  /** `natural`: as the call happens; `hangup-first`: the hangup arrives before the Dial action. */
  readonly order?: 'natural' | 'hangup-first';
  /** Sends every callback twice (Plivo retries when it missed our answer). */
  readonly duplicate?: boolean;
  /** Runs once answer_url has replied, before the call goes on (a test kills a service here). */
  readonly afterAnswer?: () => Promise<void>;
  /** Whether Plivo calls the Dial action when the caller hangs up mid-ring (unverified either way). */
  readonly actionOnAbandon?: boolean;
  /** DialStatus Plivo reports when a screened B leg answered but never pressed the key (unverified). */
  readonly screenedVoicemailDialStatus?: 'completed' | 'no-answer';
}

export interface WebhookExchange {
  readonly url: string;
  readonly params: Record<string, string>;
  readonly status: number;
  readonly body: string;
}

export interface PlayedCall {
  readonly callUuid: string;
  readonly answerXml: string;
  readonly exchanges: WebhookExchange[];
}

interface DialInstruction {
  action?: string;
  callbackUrl?: string;
  confirmKey?: string;
  number?: string;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

export function parseDial(answerXml: string): DialInstruction | undefined {
  const doc = xml.parse(answerXml) as { Response?: { Dial?: Record<string, unknown> } };
  const dial = doc.Response?.Dial;
  if (!dial) return undefined;
  const str = (v: unknown): string | undefined =>
    v === undefined || v === null ? undefined : String(v);
  const number = dial['Number'];
  return {
    action: str(dial['action']),
    callbackUrl: str(dial['callbackUrl']),
    confirmKey: str(dial['confirmKey']),
    number:
      typeof number === 'object' && number !== null
        ? str((number as Record<string, unknown>)['#text'])
        : str(number),
  };
}

/** POSTs one signed, form-encoded voice callback. HTTP clients never send the `#…` fragment. */
export async function postVoiceWebhook(
  url: string,
  params: Record<string, string>,
  authToken: string,
  timeoutMs = 10_000,
): Promise<WebhookExchange> {
  const headers = plivoSignatureHeaders({
    method: 'POST',
    url: url.split('#')[0] ?? url,
    params,
    authToken,
    nonce: webhookNonce(),
    schemes: ['v3'],
  });
  const answer = await exchangeWithin(
    url.split('#')[0] ?? url,
    {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    },
    { timeoutMs },
  );
  return { url, params, status: answer.status, body: answer.text() };
}

/** Plivo's voice-callback retry settings, from a URL's `#ct=…&rt=…&tt=…&rc=…&rp=…` fragment. */
export interface VoiceRetryPolicy {
  /** Connection plus read timeout of one attempt (ms). */
  readonly attemptTimeoutMs: number;
  /** Every attempt together (ms). */
  readonly totalTimeoutMs: number;
  /** Retries after the first attempt. */
  readonly retries: number;
  /** What is retried: `ct`/`rt` (timeouts), `4xx`, `5xx`, `all`. */
  readonly on: ReadonlySet<string>;
}

/** The policy a URL carries, with Plivo's defaults for what it leaves out (plivo.md §1.7). */
export function voiceRetryPolicy(url: string): VoiceRetryPolicy {
  const fragment = new URLSearchParams(url.includes('#') ? url.slice(url.indexOf('#') + 1) : '');
  const num = (key: string, fallback: number, min: number, max: number): number => {
    const n = Number(fragment.get(key));
    return fragment.has(key) && Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
  };
  return {
    attemptTimeoutMs: num('ct', 2_000, 100, 10_000) + num('rt', 40_000, 100, 40_000),
    totalTimeoutMs: num('tt', 55_000, 100, 55_000),
    retries: num('rc', 1, 0, 5),
    on: new Set((fragment.get('rp') ?? 'ct,rt').split(',')),
  };
}

/** What happened to one callback as Plivo would send it: the answer, or giving up. */
export interface DeliveredWebhook {
  readonly exchange: WebhookExchange | undefined;
  readonly attempts: number;
  /** No 200 within the retry policy: Plivo moves on (for answer_url, to the fallback URL). */
  readonly gaveUp: boolean;
}

/**
 * Posts a voice callback the way Plivo does: each attempt freshly signed, retried per the URL's
 * fragment (timeouts by default; 4xx/5xx only when `rp` says so) within the total timeout.
 */
export async function postVoiceWebhookLikePlivo(
  url: string,
  params: Record<string, string>,
  authToken: string,
  policy: VoiceRetryPolicy = voiceRetryPolicy(url),
): Promise<DeliveredWebhook> {
  const deadline = Date.now() + policy.totalTimeoutMs;
  let last: WebhookExchange | undefined;
  for (let attempt = 1; attempt <= policy.retries + 1; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let retryable: boolean;
    try {
      last = await postVoiceWebhook(
        url,
        params,
        authToken,
        Math.min(left, policy.attemptTimeoutMs),
      );
      if (last.status === 200) return { exchange: last, attempts: attempt, gaveUp: false };
      const kind = last.status >= 500 ? '5xx' : last.status >= 400 ? '4xx' : 'other';
      retryable = policy.on.has('all') || policy.on.has(kind);
    } catch {
      // A refused connection or a timeout: Plivo's `ct` and `rt`.
      retryable = policy.on.has('all') || policy.on.has('ct') || policy.on.has('rt');
    }
    if (!retryable) return { exchange: last, attempts: attempt, gaveUp: true };
  }
  return { exchange: last, attempts: policy.retries + 1, gaveUp: true };
}

export async function playCall(o: PlayCallOptions): Promise<PlayedCall> {
  const callUuid = o.callUuid ?? randomUUID();
  const from = o.from.replace(/^\+/, '');
  const to = o.to.replace(/^\+/, '');
  const exchanges: WebhookExchange[] = [];
  const base = { CallUUID: callUuid, From: from, To: to, Direction: 'inbound' };
  const send = async (url: string | undefined, params: Record<string, string>): Promise<void> => {
    if (!url) return;
    for (let i = 0; i < (o.duplicate ? 2 : 1); i++)
      exchanges.push(await postVoiceWebhook(url, params, o.authToken));
  };

  const answer = await postVoiceWebhook(
    o.answerUrl,
    { ...base, CallStatus: 'ringing', Event: 'StartApp', CallerName: `+${from}` },
    o.authToken,
  );
  exchanges.push(answer);
  if (answer.status !== 200) return { callUuid, answerXml: answer.body, exchanges };
  await o.afterAnswer?.();
  const dial = parseDial(answer.body);
  const bLeg = randomUUID();
  const screened = dial?.confirmKey !== undefined;
  const dialEvent = (p: Record<string, string>): Record<string, string> => ({
    ...base,
    CallStatus: 'in-progress',
    DialALegUUID: callUuid,
    DialBLegUUID: bLeg,
    DialBLegTo: dial?.number ?? '',
    DialBLegFrom: from,
    ...p,
  });
  const hangup = (cause: string, source: string, duration: number): Record<string, string> => ({
    ...base,
    Event: 'Hangup',
    CallStatus: 'completed',
    HangupCause: cause,
    HangupCauseName: cause === 'NORMAL_CLEARING' ? 'Normal Hangup' : cause,
    HangupCauseCode: cause === 'NORMAL_CLEARING' ? '4000' : '0',
    HangupSource: source,
    Duration: String(duration),
    BillDuration: String(Math.ceil(duration / 60) * 60),
  });

  const callbacks: Record<string, string>[] = [];
  let action: Record<string, string> | undefined;
  let end: Record<string, string>;
  const actionOf = (
    status: string,
    cause: string,
    bridged: boolean,
    rang: boolean,
  ): Record<string, string> => ({
    ...base,
    CallStatus: 'in-progress',
    DialStatus: status,
    DialRingStatus: String(rang),
    DialHangupCause: cause,
    DialALegUUID: callUuid,
    DialBLegUUID: bridged ? bLeg : '',
  });

  if (!dial) {
    // No Dial (e.g. an after-hours announcement): the call simply ends.
    end = hangup('NORMAL_CLEARING', 'Answer XML', 12);
  } else {
    switch (o.scenario) {
      case 'answered':
        callbacks.push(
          dialEvent({ Event: 'DialAnswer', DialAction: 'answer', DialBLegStatus: 'answer' }),
        );
        if (screened)
          callbacks.push(
            dialEvent({ Event: 'DialAnswer', DialAction: 'connected', DialBLegStatus: 'answer' }),
          );
        callbacks.push(
          dialEvent({
            Event: 'DialHangup',
            DialAction: 'hangup',
            DialBLegStatus: 'hangup',
            DialBLegDuration: '95',
            DialBLegHangupCause: 'NORMAL_CLEARING',
            DialBLegHangupSource: 'Caller',
          }),
        );
        action = actionOf('completed', 'NORMAL_CLEARING', true, true);
        end = hangup('NORMAL_CLEARING', 'Caller', 110);
        break;
      case 'missed':
        action = actionOf('no-answer', 'NO_ANSWER', false, true);
        end = hangup('NORMAL_CLEARING', 'Answer XML', 24);
        break;
      case 'busy':
        action = actionOf('busy', 'USER_BUSY', false, false);
        end = hangup('NORMAL_CLEARING', 'Answer XML', 3);
        break;
      case 'abandoned':
        action = o.actionOnAbandon
          ? actionOf('cancel', 'ORIGINATOR_CANCEL', false, true)
          : undefined;
        end = hangup('ORIGINATOR_CANCEL', 'Caller', 8);
        break;
      case 'voicemail':
        // The business phone's voicemail picks up the B leg but cannot press the screening key.
        callbacks.push(
          dialEvent({ Event: 'DialAnswer', DialAction: 'answer', DialBLegStatus: 'answer' }),
        );
        callbacks.push(
          dialEvent({
            Event: 'DialHangup',
            DialAction: 'hangup',
            DialBLegStatus: 'hangup',
            DialBLegDuration: '30',
            DialBLegHangupCause: 'NORMAL_CLEARING',
            DialBLegHangupSource: 'Plivo',
          }),
        );
        action = screened
          ? actionOf(o.screenedVoicemailDialStatus ?? 'no-answer', 'NORMAL_CLEARING', false, true)
          : actionOf('completed', 'NORMAL_CLEARING', true, true);
        end = hangup('NORMAL_CLEARING', screened ? 'Answer XML' : 'Callee', 40);
        break;
    }
  }

  for (const c of callbacks) await send(dial?.callbackUrl, c);
  if (o.order === 'hangup-first') {
    await send(o.hangupUrl, end);
    if (action) await send(dial?.action, action);
  } else {
    if (action) await send(dial?.action, action);
    await send(o.hangupUrl, end);
  }
  return { callUuid, answerXml: answer.body, exchanges };
}
