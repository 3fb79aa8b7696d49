import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import { exchangeWithin, type Answer, type ExchangeInit } from '@textback/exchange';

/**
 * The one way out to a URL a tenant or partner gave us (CRM and on-call webhooks now; partner
 * webhooks, OpenID issuers and CalDAV servers later). A URL is checked when it is saved and again
 * at delivery: https only; the host's every address must be public (no private, loopback,
 * link-local, cloud-metadata, unique-local, CGNAT, multicast or reserved ranges); and the socket
 * connects to the address that was checked, so a name that resolves differently a moment later
 * (DNS rebinding) cannot slip through. Plain http and loopback are allowed only with the
 * development setting (`EGRESS_ALLOW_INSECURE`, set by `npm start` and the tests).
 */
export interface EgressPolicy {
  /** Development only: allow `http:` and loopback addresses (never private or metadata ranges). */
  readonly allowInsecure: boolean;
  /** How names become addresses; tests inject one. Defaults to the system resolver. */
  readonly resolve?: (hostname: string) => Promise<readonly string[]>;
}

export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';
}

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

/** Why an address may not be reached, or undefined when it may. */
export function forbiddenAddress(
  address: string,
  policy: Pick<EgressPolicy, 'allowInsecure'>,
): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  // ipaddr.js names every special range (private, linkLocal incl. 169.254.169.254, uniqueLocal,
  // carrierGradeNat, multicast, reserved…); only ordinary public unicast is a tenant's server.
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && policy.allowInsecure) return undefined;
  return `${address} is in the ${range} range`;
}

const systemResolve = async (hostname: string): Promise<readonly string[]> =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Checks a URL without connecting: scheme, host and every address it resolves to. Returns the
 * parsed URL and the checked addresses; throws EgressRefusedError with the reason.
 */
export async function checkEgressUrl(
  raw: string,
  policy: EgressPolicy,
): Promise<{ url: URL; addresses: readonly string[] }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefusedError('is not a URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowInsecure && url.protocol === 'http:')) {
    throw new EgressRefusedError(`must be an https URL (got ${url.protocol.replace(/:$/, '')})`);
  }
  if (url.username || url.password)
    throw new EgressRefusedError('must not carry credentials in the URL');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_HOSTS.has(host)) throw new EgressRefusedError(`${host} is a cloud metadata host`);
  let addresses: readonly string[];
  if (ipaddr.isValid(host)) addresses = [host];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolve)(host);
    } catch (err) {
      throw new EgressRefusedError(
        `${host} does not resolve (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
  if (addresses.length === 0) throw new EgressRefusedError(`${host} does not resolve`);
  for (const address of addresses) {
    const why = forbiddenAddress(address, policy);
    if (why) throw new EgressRefusedError(address === host ? why : `${host}: ${why}`);
  }
  return { url, addresses };
}

/**
 * `fetch` to a tenant- or partner-supplied URL: checked as above at the moment of the call, and
 * connected to the checked address only (a pinned lookup), with TLS still verifying the name.
 * The request and its whole answer are bounded by `limits` (one deadline, `exchangeWithin`):
 * a tenant's server that answers slowly, or never, costs one timeout and nothing more.
 */
export interface EgressResponse {
  readonly status: number;
  readonly ok: boolean;
  /** The first 64 KB of the body, as text. */
  readonly body: string;
}

export interface EgressLimits {
  /** The request and its whole answer within this many milliseconds. */
  readonly timeoutMs: number;
  /** The caller's own cancellation. */
  readonly signal?: AbortSignal;
}

export async function egressFetch(
  raw: string,
  init: ExchangeInit,
  policy: EgressPolicy,
  limits: EgressLimits,
): Promise<EgressResponse> {
  const answer = await egressExchange(raw, init, policy, limits, 65_536);
  return { status: answer.status, ok: answer.ok, body: answer.text() };
}

/**
 * The same checked, pinned request as a standard `Response` (its body read whole, at most 1 MiB),
 * for libraries that take a `fetch` (openid-client's `customFetch`).
 */
export async function egressRequest(
  raw: string,
  init: ExchangeInit,
  policy: EgressPolicy,
  limits: EgressLimits,
): Promise<Response> {
  const answer = await egressExchange(raw, init, policy, limits, 1_048_576);
  const empty = answer.status === 204 || answer.status === 304;
  return new Response(empty ? null : answer.bytes, {
    status: answer.status,
    headers: answer.headers,
  });
}

async function egressExchange(
  raw: string,
  init: ExchangeInit,
  policy: EgressPolicy,
  limits: EgressLimits,
  maxBytes: number,
): Promise<Answer> {
  const { url, addresses } = await checkEgressUrl(raw, policy);
  const address = addresses[0] ?? '';
  const pinned: LookupFunction = (_hostname, options, callback) => {
    const family = ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4;
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    else callback(null, address, family);
  };
  const dispatcher = new Agent({ connect: { lookup: pinned }, connections: 1, pipelining: 0 });
  try {
    // Redirects are not followed (exchangeWithin never does): each hop would need the same check.
    return await exchangeWithin(url, init, { ...limits, maxBytes, dispatcher });
  } finally {
    // Destroyed, not closed: closing waits for a request in flight, which may never end.
    void dispatcher.destroy().catch(() => undefined);
  }
}
