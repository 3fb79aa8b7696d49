import { verifyPlivoWebhook, type PlivoSignatureVerdict } from './plivo-signature';

export interface PlivoWebhook {
  /** The form fields, flat (`extended: false` semantics: bracketed keys are not nested). */
  readonly params: Record<string, string>;
  readonly nonce: string;
  readonly verdict: Extract<PlivoSignatureVerdict, 'valid-v3' | 'valid-v2'>;
}

export type PlivoWebhookRejection = { readonly reason: 'signature missing' | 'signature invalid' };

/**
 * Reads a Plivo webhook from the raw request: parses the form body itself (so the signed
 * parameters are exactly what arrived) and checks the signature against the public URL.
 */
export function readPlivoWebhook(input: {
  method: 'GET' | 'POST';
  /** The URL exactly as configured at Plivo: public base + the request's path and query. */
  publicUrl: string;
  rawBody: Buffer | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  authToken: string;
  mainAccountToken?: string | undefined;
}): PlivoWebhook | PlivoWebhookRejection {
  const url = new URL(input.publicUrl);
  const params: Record<string, string> = {};
  if (input.method === 'POST') {
    for (const [k, v] of new URLSearchParams(input.rawBody?.toString('utf8') ?? '')) params[k] = v;
  } else {
    for (const [k, v] of url.searchParams) params[k] = v;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(input.headers))
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  // For GET the parameters already are the query string of the URL: sign over the bare URL.
  const signedUrl =
    input.method === 'GET' ? (input.publicUrl.split('?')[0] ?? input.publicUrl) : input.publicUrl;
  const verdict = verifyPlivoWebhook({
    method: input.method,
    publicUrl: signedUrl,
    params,
    headers,
    authToken: input.authToken,
    ...(input.mainAccountToken ? { mainAccountToken: input.mainAccountToken } : {}),
  });
  if (verdict === 'unsigned') return { reason: 'signature missing' };
  if (verdict === 'invalid') return { reason: 'signature invalid' };
  const nonce =
    (verdict === 'valid-v3'
      ? headers['x-plivo-signature-v3-nonce']
      : headers['x-plivo-signature-v2-nonce']) ?? '';
  return { params, nonce, verdict };
}

export function isRejection(w: PlivoWebhook | PlivoWebhookRejection): w is PlivoWebhookRejection {
  return 'reason' in w;
}

/** `readPlivoWebhook` for a POST as an HTTP framework hands it over (raw body kept). */
export function readPlivoPost(
  req: {
    readonly originalUrl: string;
    readonly rawBody?: Buffer | undefined;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  },
  o: {
    readonly publicBaseUrl: string;
    readonly authToken: string;
    readonly mainAccountToken?: string | undefined;
  },
): PlivoWebhook | PlivoWebhookRejection {
  return readPlivoWebhook({
    method: 'POST',
    publicUrl: `${o.publicBaseUrl.replace(/\/$/, '')}${req.originalUrl}`,
    rawBody: req.rawBody,
    headers: req.headers,
    authToken: o.authToken,
    mainAccountToken: o.mainAccountToken,
  });
}
