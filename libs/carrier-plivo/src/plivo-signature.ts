import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Plivo webhook signatures (../shared/docs/plivo.md §5), verified with a constant-time compare
 * (the SDK's own helpers use `===`). V3 signs URL + sorted params + nonce; V2 signs only the
 * base URL + nonce. Whether Plivo signs the `#rc=…` retry fragment is unverified, so a URL
 * with a fragment is checked both with and without it.
 */
export type FlatParams = Readonly<Record<string, string>>;

function sortedEntries(q: Record<string, string[]>): [string, string[]][] {
  return Object.keys(q)
    .sort()
    .map((k) => [k, [...(q[k] ?? [])].sort()]);
}

function queryOf(url: URL): Record<string, string[]> {
  const q: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (q[k] ??= []).push(v);
  return q;
}

/** scheme://host[:port]/path exactly as configured (no query, no fragment, no added '/'). */
function baseOf(uri: string): string {
  return uri.replace(/[?#].*$/s, '');
}

/** The exact string Plivo's V3 scheme signs, before `.nonce` is appended. */
export function v3StringToSign(method: 'GET' | 'POST', uri: string, params: FlatParams): string {
  const url = new URL(uri);
  const base = baseOf(uri);
  const query = queryOf(url);
  if (method === 'GET') {
    for (const [k, v] of Object.entries(params)) (query[k] ??= []).push(v);
    const qs = sortedEntries(query)
      .flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`))
      .join('&');
    return qs ? `${base}?${qs}` : base;
  }
  const qs = sortedEntries(query)
    .flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`))
    .join('&');
  const hasBody = Object.keys(params).length > 0;
  let s = base;
  if (qs || hasBody) s += `?${qs}`;
  if (qs && hasBody) s += '.';
  s += Object.keys(params)
    .sort()
    .map((k) => `${k}${params[k] ?? ''}`)
    .join('');
  return s;
}

function hmacBase64(token: string, message: string): Buffer {
  return createHmac('sha256', token).update(message, 'utf8').digest();
}

function anyMatches(expected: Buffer, header: string): boolean {
  return header
    .split(',')
    .map((s) => Buffer.from(s.trim(), 'base64'))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}

function readings(uri: string): string[] {
  const hash = uri.indexOf('#');
  return hash < 0 ? [uri] : [uri.slice(0, hash), uri];
}

export function verifyV3(
  method: 'GET' | 'POST',
  uri: string,
  params: FlatParams,
  nonce: string,
  header: string,
  tokens: readonly string[],
): boolean {
  return readings(uri).some((u) => {
    const message = `${v3StringToSign(method, u.split('#')[0] ?? u, params)}.${nonce}`;
    return tokens.some((t) => anyMatches(hmacBase64(t, message), header));
  });
}

export function verifyV2(
  uri: string,
  nonce: string,
  header: string,
  tokens: readonly string[],
): boolean {
  const message = `${baseOf(uri)}${nonce}`;
  return tokens.some((t) => anyMatches(hmacBase64(t, message), header));
}

export type PlivoSignatureVerdict = 'valid-v3' | 'valid-v2' | 'unsigned' | 'invalid';

/**
 * Checks a webhook's headers (lower-cased names): V3 when present, else V2; the `-Ma-` variants
 * are signed with the main account token. `publicUrl` is the URL as configured at Plivo.
 */
export function verifyPlivoWebhook(input: {
  method: 'GET' | 'POST';
  publicUrl: string;
  params: FlatParams;
  headers: Readonly<Record<string, string | undefined>>;
  authToken: string;
  mainAccountToken?: string;
}): PlivoSignatureVerdict {
  const h = input.headers;
  const v3Nonce = h['x-plivo-signature-v3-nonce'];
  const v3 = h['x-plivo-signature-v3'];
  const v3Ma = h['x-plivo-signature-ma-v3'];
  if (v3Nonce && (v3 || v3Ma)) {
    const ok =
      (v3 !== undefined &&
        verifyV3(input.method, input.publicUrl, input.params, v3Nonce, v3, [input.authToken])) ||
      (v3Ma !== undefined &&
        verifyV3(input.method, input.publicUrl, input.params, v3Nonce, v3Ma, [
          input.mainAccountToken ?? input.authToken,
        ]));
    return ok ? 'valid-v3' : 'invalid';
  }
  const v2Nonce = h['x-plivo-signature-v2-nonce'];
  const v2 = h['x-plivo-signature-v2'];
  const v2Ma = h['x-plivo-signature-ma-v2'];
  if (v2Nonce && (v2 || v2Ma)) {
    const ok =
      (v2 !== undefined && verifyV2(input.publicUrl, v2Nonce, v2, [input.authToken])) ||
      (v2Ma !== undefined &&
        verifyV2(input.publicUrl, v2Nonce, v2Ma, [input.mainAccountToken ?? input.authToken]));
    return ok ? 'valid-v2' : 'invalid';
  }
  return 'unsigned';
}

/** Signs as Plivo does (V3): what the carrier fake and the simulator put in `X-Plivo-Signature-V3`. */
export function signV3(
  method: 'GET' | 'POST',
  uri: string,
  params: FlatParams,
  nonce: string,
  authToken: string,
): string {
  return hmacBase64(authToken, `${v3StringToSign(method, uri, params)}.${nonce}`).toString(
    'base64',
  );
}

/** Signs as Plivo does (V2): base URL + nonce, the body not covered. */
export function signV2(uri: string, nonce: string, authToken: string): string {
  return hmacBase64(authToken, `${baseOf(uri)}${nonce}`).toString('base64');
}

/** The headers Plivo sends with a webhook, for the schemes asked for. */
export function plivoSignatureHeaders(input: {
  method: 'GET' | 'POST';
  url: string;
  params: FlatParams;
  authToken: string;
  nonce: string;
  schemes: readonly ('v2' | 'v3')[];
}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (input.schemes.includes('v3')) {
    headers['X-Plivo-Signature-V3'] = signV3(
      input.method,
      input.url,
      input.params,
      input.nonce,
      input.authToken,
    );
    headers['X-Plivo-Signature-Ma-V3'] = headers['X-Plivo-Signature-V3'];
    headers['X-Plivo-Signature-V3-Nonce'] = input.nonce;
  }
  if (input.schemes.includes('v2')) {
    headers['X-Plivo-Signature-V2'] = signV2(input.url, input.nonce, input.authToken);
    headers['X-Plivo-Signature-Ma-V2'] = headers['X-Plivo-Signature-V2'];
    headers['X-Plivo-Signature-V2-Nonce'] = input.nonce;
  }
  return headers;
}
