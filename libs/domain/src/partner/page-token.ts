import { createHash } from 'node:crypto';

/** A page token that does not belong to the query it came with (AIP-158). */
export class PageTokenError extends Error {
  override readonly name = 'PageTokenError';
}

/** The query a token belongs to: its method, tenant and filters, whatever their order. */
function fingerprint(query: Record<string, unknown>): string {
  const stable = JSON.stringify(
    Object.keys(query)
      .sort()
      .map((k) => [k, query[k] ?? null]),
  );
  return createHash('sha256').update(stable).digest('base64url').slice(0, 22);
}

/**
 * An opaque next-page token: where the next page starts, bound to the query (method, tenant,
 * filters) — a token used with another query or tenant is refused, not misread.
 */
export function pageToken(query: Record<string, unknown>, position: string): string {
  return Buffer.from(JSON.stringify({ q: fingerprint(query), p: position })).toString('base64url');
}

/** Where the page starts: undefined for the first page; a foreign or broken token throws. */
export function pagePosition(token: string, query: Record<string, unknown>): string | undefined {
  if (token === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new PageTokenError('page_token: not a token this API gave out');
  }
  const { q, p } = (parsed ?? {}) as { q?: unknown; p?: unknown };
  if (typeof q !== 'string' || typeof p !== 'string')
    throw new PageTokenError('page_token: not a token this API gave out');
  if (q !== fingerprint(query))
    throw new PageTokenError(
      'page_token: belongs to another query (the filters, tenant and method must stay the same)',
    );
  return p;
}

/** A page size as AIP-158 has it: 0 means the default; above the maximum is refused. */
export function pageSize(requested: number, o: { default: number; max: number }): number {
  if (requested < 0) throw new PageTokenError('page_size: must not be negative');
  if (requested > o.max) throw new PageTokenError(`page_size: at most ${o.max}`);
  return requested === 0 ? o.default : requested;
}
