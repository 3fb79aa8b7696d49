import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Textback's own webhook signature, both ways: phone systems posting call events to us, and
 * our CRM webhooks to tenants (and their calls back):
 *   X-Textback-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * The timestamp bounds replays to a window; the MAC covers the exact bytes received.
 */
export type SignatureVerdict = 'valid' | 'missing' | 'malformed' | 'mismatch' | 'stale';

export function signTextbackWebhook(secret: string, rawBody: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function verifyTextbackWebhook(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds = 300,
): SignatureVerdict {
  if (!header) return 'missing';
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || !given || !/^[0-9a-f]{64}$/.test(given)) return 'malformed';
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return 'mismatch';
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return 'stale';
  return 'valid';
}
