import { z } from 'zod';
import * as plivo from 'plivo';
import { exchangeWithin, isTimeout, jsonOrUndefined, settleWithin } from '@textback/exchange';

/**
 * Plivo's Message and Lookup APIs behind the one seam the services use. Messages go through the
 * real `plivo` SDK (its `url` option points it at Plivo or at the local fake); Lookup's host is
 * hard-coded in the SDK (plivo.md §6.2), so it is a plain fetch against a configurable base URL.
 */
export interface PlivoMessagingOptions {
  readonly authId: string;
  readonly authToken: string;
  /** `https://api.plivo.com` in production; the fake's URL in development and tests. */
  readonly apiUrl: string;
  /** `https://lookup.plivo.com` in production. */
  readonly lookupUrl: string;
  readonly timeoutMs: number;
}

/**
 * What a send attempt tells us. Plivo's send API has no idempotency key, so only a definite
 * refusal may be retried; anything where the request may have been queued is `ambiguous`.
 */
export type SendResult =
  | { readonly kind: 'accepted'; readonly messageUuid: string }
  | {
      readonly kind: 'refused';
      readonly retryable: boolean;
      readonly status: number | undefined;
      readonly reason: string;
    }
  | { readonly kind: 'ambiguous'; readonly reason: string };

export type LineType = 'mobile' | 'fixed' | 'voip' | 'toll-free' | 'unknown';

export interface MessageRecord {
  readonly messageUuid: string;
  readonly from: string;
  readonly to: string;
  readonly state: string;
  readonly errorCode: string | undefined;
  readonly time: Date;
}

const digits = (n: string): string => n.replace(/\D/g, '');

/** Classifies the SDK's rejections (plivo.md §6.3: typed errors, plain Errors for 429, strings for network errors). */
export function classifySendFailure(err: unknown): Exclude<SendResult, { kind: 'accepted' }> {
  // Our own deadline over the SDK's call (it may have reached the carrier).
  if (isTimeout(err)) return { kind: 'ambiguous', reason: 'timeout' };
  if (typeof err === 'string') {
    // Network errors reject with the error's stack as a string.
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(err))
      return { kind: 'refused', retryable: true, status: undefined, reason: 'connection refused' };
    return {
      kind: 'ambiguous',
      reason: /timeout|ETIMEDOUT|ECONNABORTED/i.test(err) ? 'timeout' : 'connection lost',
    };
  }
  const status =
    typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number'
      ? err.status
      : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const fromText = /status code (\d{3})/.exec(message)?.[1];
  const code = status ?? (fromText ? Number(fromText) : undefined);
  if (code === 429)
    return { kind: 'refused', retryable: true, status: 429, reason: 'rate limited' };
  if (code !== undefined && code >= 500)
    return { kind: 'ambiguous', reason: `carrier answered ${code}` };
  if (code !== undefined && code >= 400)
    return { kind: 'refused', retryable: false, status: code, reason: message.slice(0, 200) };
  if (/timeout|ECONNRESET|socket hang up|ECONNABORTED/i.test(message))
    return { kind: 'ambiguous', reason: 'connection lost' };
  if (/ECONNREFUSED/.test(message))
    return { kind: 'refused', retryable: true, status: undefined, reason: 'connection refused' };
  return { kind: 'ambiguous', reason: message.slice(0, 200) };
}

export class PlivoMessaging {
  private readonly client: plivo.Client;

  constructor(private readonly options: PlivoMessagingOptions) {
    this.client = new plivo.Client(options.authId, options.authToken, {
      url: `${options.apiUrl.replace(/\/$/, '')}/v1/Account/${options.authId}`,
      timeout: options.timeoutMs,
    });
  }

  async send(input: {
    from: string;
    to: string;
    text: string;
    statusUrl: string;
  }): Promise<SendResult> {
    try {
      // Ours as well as the SDK's own timeout (if its call never settled): no later than the
      // timeout, since sms-dispatch counts on a call ending within it (`claimTooOldToCall`).
      const res = await settleWithin(
        this.client.messages.create(digits(input.from), digits(input.to), input.text, {
          url: input.statusUrl,
          method: 'POST',
        }),
        this.options.timeoutMs,
      );
      const uuid = res.messageUuid[0];
      if (!uuid) return { kind: 'ambiguous', reason: 'accepted without a message uuid' };
      return { kind: 'accepted', messageUuid: uuid };
    } catch (err) {
      return classifySendFailure(err);
    }
  }

  /**
   * The carrier's record of the messages from `match.from` to `match.to` created in a window of
   * time: how an ambiguous send is settled. The list API filters only by time, newest first, 20
   * to a page, so every page of the window is read; `complete` is false when it holds more than
   * `maxPages` pages — absence is then unknown, and the caller must not read it as "not sent".
   */
  async outboundBetween(
    window: { from: Date; to: Date },
    match: { from: string; to: string },
    maxPages = 500,
  ): Promise<{ found: MessageRecord[]; complete: boolean }> {
    const found: MessageRecord[] = [];
    const at = (d: Date): string => d.toISOString().replace('T', ' ').slice(0, 19);
    for (let page = 0; page < maxPages; page++) {
      const list = (await settleWithin(
        this.client.messages.list({
          message_direction: 'outbound',
          message_time__gte: at(window.from),
          // The API takes whole seconds: the end rounded up, so the window's last second is in.
          message_time__lte: at(new Date(window.to.getTime() + 999)),
          limit: 20,
          offset: page * 20,
        }),
        this.options.timeoutMs,
      )) as unknown as
        | {
            messageUuid?: string;
            fromNumber?: string;
            toNumber?: string;
            messageState?: string;
            errorCode?: string;
            messageTime?: string;
          }[]
        | undefined;
      const rows = Array.isArray(list) ? list : [];
      for (const m of rows) {
        if (
          digits(m.fromNumber ?? '') === digits(match.from) &&
          digits(m.toNumber ?? '') === digits(match.to) &&
          m.messageUuid
        ) {
          found.push({
            messageUuid: m.messageUuid,
            from: m.fromNumber ?? '',
            to: m.toNumber ?? '',
            state: m.messageState ?? 'unknown',
            errorCode: m.errorCode || undefined,
            time: new Date(`${(m.messageTime ?? '').replace(' ', 'T').slice(0, 23)}Z`),
          });
        }
      }
      if (rows.length < 20) return { found, complete: true };
    }
    return { found, complete: false };
  }

  /** Line type of a number (plivo.md §7); `unknown` when Lookup cannot say. */
  async lineType(e164: string): Promise<LineType> {
    const auth = Buffer.from(`${this.options.authId}:${this.options.authToken}`).toString('base64');
    const res = await exchangeWithin(
      `${this.options.lookupUrl.replace(/\/$/, '')}/v1/Number/${encodeURIComponent(e164)}?type=carrier`,
      { headers: { authorization: `Basic ${auth}` } },
      { timeoutMs: this.options.timeoutMs },
    );
    if (res.status === 404) return 'unknown';
    if (!res.ok) throw new Error(`lookup answered ${res.status}`);
    const body = jsonOrUndefined(res) as { carrier?: { type?: string } } | null | undefined;
    const type = body?.carrier?.type;
    return type === 'mobile' || type === 'fixed' || type === 'voip' || type === 'toll-free'
      ? type
      : 'unknown';
  }
}

/** The Plivo settings a service reads from its environment (merged into its config schema). */
export const plivoConfigShape = {
  PLIVO_AUTH_ID: z.string().min(1, 'is required (the Plivo account id)'),
  /** From a Secret in Kubernetes; signs webhooks and authenticates API calls. */
  PLIVO_AUTH_TOKEN: z.string().min(8, 'is required (the Plivo auth token)'),
  /** The main account's token, when the numbers live in a subaccount (`X-Plivo-Signature-Ma-*`). */
  PLIVO_MAIN_ACCOUNT_TOKEN: z.string().min(8).optional(),
  PLIVO_API_URL: z.url().default('https://api.plivo.com'),
  PLIVO_LOOKUP_URL: z.url().default('https://lookup.plivo.com'),
  PLIVO_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
};
