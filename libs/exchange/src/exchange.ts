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
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface ExchangeOptions {
  /** Request and whole answer within this many milliseconds. */
  readonly timeoutMs: number;
  /** The caller's own cancellation (a client gone, a shutdown): ends the exchange with its reason. */
  readonly signal?: AbortSignal;
  /** The body is read up to this many bytes (default 1 MiB); the rest is dropped (`truncated`). */
  readonly maxBytes?: number;
  /** Another fetch with the same contract (undici's with a pinned dispatcher; tests). */
  readonly fetch?: FetchLike;
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
  init: Omit<RequestInit, 'signal'>,
  options: ExchangeOptions,
): Promise<Answer> {
  const ours = new AbortController();
  const signal = options.signal ? AbortSignal.any([ours.signal, options.signal]) : ours.signal;
  const exchange = async (): Promise<Answer> => {
    const res = await (options.fetch ?? fetch)(String(url), { ...init, signal });
    const { bytes, truncated } = await readUpTo(res, options.maxBytes ?? 1_048_576);
    return new Answer(res.status, res.headers, bytes, truncated);
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

async function readUpTo(
  res: Response,
  maxBytes: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  if (!res.body) return { bytes: Buffer.alloc(0), truncated: false };
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks, size), truncated: false };
    chunks.push(value);
    size += value.byteLength;
    if (size > maxBytes) {
      // Not awaited: a cancel is one more read that might never settle.
      reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(chunks, size).subarray(0, maxBytes), truncated: true };
    }
  }
}
