import { exchangeWithin, jsonOrUndefined, type Answer } from '@textback/exchange';

/** One JSON request from a service to another over the cluster network, with a bearer token. */
export interface InternalRequest {
  /** The peer's base URL (configuration; a trailing slash is ignored). */
  readonly baseUrl: string;
  readonly path: string;
  /** GET without a body, POST with one, unless given. */
  readonly method?: 'GET' | 'POST' | 'PUT';
  readonly query?: Record<string, string | number | undefined>;
  readonly bearer: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly timeoutMs: number;
  /** The caller's own cancellation (its caller's deadline). */
  readonly signal?: AbortSignal;
  /** The answer is read up to this many bytes (default 1 MiB). */
  readonly maxBytes?: number;
}

/** What came back, read whole: what it means is the caller's to say. */
export type InternalAnswer =
  | {
      readonly answered: true;
      readonly status: number;
      readonly ok: boolean;
      /** The body as JSON; undefined when it is empty or not JSON (a proxy's error page). */
      readonly json: unknown;
      readonly empty: boolean;
      /** The body was longer than `maxBytes`. */
      readonly truncated: boolean;
    }
  | {
      readonly answered: false;
      /** Why not: refused, timed out, cancelled — for the caller's error message. */
      readonly reason: string;
    };

/**
 * The shared half of every service-to-service client (consent checks, inbound texts, the
 * gateway's partner calls): the URL, the token, the JSON, one deadline for the whole exchange
 * (`exchangeWithin`). Each client keeps its own half — what an answer means and which of its
 * errors an outage becomes.
 */
export async function callInternal(r: InternalRequest): Promise<InternalAnswer> {
  const url = new URL(`${r.baseUrl.replace(/\/$/, '')}${r.path}`);
  for (const [k, v] of Object.entries(r.query ?? {}))
    if (v !== undefined) url.searchParams.set(k, String(v));
  const hasBody = r.body !== undefined;
  let answer: Answer;
  try {
    answer = await exchangeWithin(
      url,
      {
        method: r.method ?? (hasBody ? 'POST' : 'GET'),
        headers: {
          authorization: `Bearer ${r.bearer}`,
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(hasBody ? { body: JSON.stringify(r.body) } : {}),
      },
      {
        timeoutMs: r.timeoutMs,
        ...(r.signal ? { signal: r.signal } : {}),
        ...(r.maxBytes ? { maxBytes: r.maxBytes } : {}),
      },
    );
  } catch (err) {
    return { answered: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const empty = answer.bytes.length === 0;
  return {
    answered: true,
    status: answer.status,
    ok: answer.ok,
    json: empty ? undefined : jsonOrUndefined(answer),
    empty,
    truncated: answer.truncated,
  };
}
