import { request, type Dispatcher } from 'undici';

/**
 * Every outbound HTTP call of ours that waits for an answer goes through `exchangeWithin`: the
 * request and the whole answer (headers and body) within one deadline, or a TimeoutError.
 *
 * Why not `fetch(url, { signal: AbortSignal.timeout(ms) })` and `res.json()`: a 500 calls/s bench
 * run hung for good on exactly that — its load generator idle, no socket open, one exchange
 * pending forever (cf. nodejs/node#56917: a body read cut by its abort can be left pending). In a
 * service the same hang would stop a worker for good (sms-dispatch asks compliance one request at
 * a time: every send would wait). So the deadline is our own timer raced against the exchange;
 * the abort still tears the connection down. The body is read here, up to a size limit, so no
 * caller reads a stream outside the deadline.
 *
 * The exchange is undici's `request()`, not `fetch`: the same client without the WHATWG
 * Request, Response, Headers and web-stream objects around it — about 0.12 ms of CPU an
 * exchange against 0.3–0.45 for `fetch` on the bench's VM, where the load generator and the
 * Plivo fake post six webhooks a call on the same two cores as the platform. Redirects are
 * never followed: a 3xx is the answer (a browser's to follow, or a hop the egress check would
 * have to make again).
 */
export interface ExchangeInit {
  readonly method?: string;
  readonly headers?: RequestInit['headers'];
  /** A string, bytes or a form; a string or form without a content-type gets fetch's default. */
  readonly body?: string | Uint8Array | URLSearchParams | null;
}

export interface ExchangeOptions {
  /** Request and whole answer within this many milliseconds. */
  readonly timeoutMs: number;
  /** The caller's own cancellation (a client gone, a shutdown): ends the exchange with its reason. */
  readonly signal?: AbortSignal;
  /** The body is read up to this many bytes (default 1 MiB); the rest is dropped (`truncated`). */
  readonly maxBytes?: number;
  /** Where the request goes out (the egress helper's agent pinned to a checked address; tests). */
  readonly dispatcher?: Dispatcher;
}

/** An answer read whole, within the deadline. */
export class Answer {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly bytes: Buffer,
    /** The body was longer than `maxBytes`; `bytes` is its beginning. */
    readonly truncated: boolean,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  text(): string {
    return this.bytes.toString('utf8');
  }

  /** The body as JSON; throws a SyntaxError when it is not (as `Response.json` does). */
  json(): unknown {
    return JSON.parse(this.text()) as unknown;
  }
}

export async function exchangeWithin(
  url: string | URL,
  init: ExchangeInit,
  options: ExchangeOptions,
): Promise<Answer> {
  const ours = new AbortController();
  const signal = options.signal ? AbortSignal.any([ours.signal, options.signal]) : ours.signal;
  const exchange = async (): Promise<Answer> => {
    signal.throwIfAborted();
    const { headers, body } = requestParts(init);
    const res = await request(url, {
      method: (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
      headers,
      body,
      signal,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    const { bytes, truncated } = await readUpTo(res.body, options.maxBytes ?? 1_048_576);
    return new Answer(res.statusCode, answerHeaders(res.headers), bytes, truncated);
  };
  try {
    return await settleWithin(exchange(), options.timeoutMs);
  } catch (err) {
    // Past the deadline: tear the connection down (the exchange itself may never notice).
    ours.abort(err);
    throw err;
  }
}

/**
 * A call we cannot abort (an SDK's request), given up at `ms` with a TimeoutError; what it does
 * later is ignored. For the SDKs whose own timeouts we pass but cannot see inside: the same hang
 * must not stop a worker there either.
 */
export async function settleWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ExchangeTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The body as JSON, or undefined when it is not JSON (for callers that check its shape next). */
export function jsonOrUndefined(answer: Answer): unknown {
  try {
    return answer.json();
  } catch {
    return undefined;
  }
}

/** What `exchangeWithin` ends with at its deadline (named as `AbortSignal.timeout`'s error is). */
export class ExchangeTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** True for a deadline passed (ours, or a `TimeoutError` from a signal). */
export function isTimeout(err: unknown): boolean {
  return (err as { name?: unknown } | undefined)?.name === 'TimeoutError';
}

/** The request's headers as undici takes them, with the content-type fetch would have set. */
function requestParts(init: ExchangeInit): {
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
} {
  const headers = Object.fromEntries(new Headers(init.headers).entries());
  const { body } = init;
  if (body === undefined || body === null) return { headers, body: undefined };
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return { headers, body: body.toString() };
  }
  if (typeof body === 'string') headers['content-type'] ??= 'text/plain;charset=UTF-8';
  return { headers, body };
}

function answerHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

async function readUpTo(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size > maxBytes) {
      // The rest is not read: the connection is closed rather than drained.
      body.destroy();
      return { bytes: Buffer.concat(chunks, size).subarray(0, maxBytes), truncated: true };
    }
  }
  return { bytes: Buffer.concat(chunks, size), truncated: false };
}
