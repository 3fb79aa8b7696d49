import { randomBytes } from 'node:crypto';

let pool = Buffer.alloc(0);
let next = 0;

/**
 * A signed callback's nonce (`X-Plivo-Signature-V3-Nonce`: random digits, as Plivo sends).
 * Drawn 256 at a time: one `getrandom` system call per webhook was a visible share of the
 * bench's load generator, which shares the machine with the platform it measures.
 */
export function webhookNonce(): string {
  if (next + 8 > pool.length) {
    pool = randomBytes(2048);
    next = 0;
  }
  const nonce = pool.readBigUInt64BE(next);
  next += 8;
  return nonce.toString();
}
