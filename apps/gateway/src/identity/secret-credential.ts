import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Our own credentials (API keys, refresh tokens, invitations, client secrets): `<prefix>_<id>_<secret>`
 * where the id finds the row and the secret — 32 random bytes — is checked against its SHA-256
 * (a random 256-bit secret needs no slow hash; nothing to brute-force from the hash).
 */
/** `tbs`: a web session's cookie; `txp`: a password reset link. */
export type CredentialPrefix = 'txk' | 'txr' | 'txi' | 'tbs' | 'txp';

export interface NewCredential {
  readonly id: string;
  readonly presented: string;
  readonly sha256: Buffer;
}

export const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

export function newSecret(): { secret: string; sha256: Buffer } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, sha256: sha256(secret) };
}

export function newCredential(prefix: CredentialPrefix): NewCredential {
  const id = randomBytes(8).toString('hex');
  const { secret, sha256: hash } = newSecret();
  return { id, presented: `${prefix}_${id}_${secret}`, sha256: hash };
}

/** The id and secret of a presented credential of this kind, or undefined. */
export function readCredential(
  prefix: CredentialPrefix,
  presented: string,
): { id: string; secret: string } | undefined {
  const m = new RegExp(`^${prefix}_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$`).exec(presented);
  return m?.[1] && m[2] ? { id: m[1], secret: m[2] } : undefined;
}

/** Constant-time: whether `secret` is the one whose hash is stored. */
export function secretMatches(stored: Buffer, secret: string): boolean {
  const given = sha256(secret);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

/** The stored row a presented credential names, when its secret is the one hashed there. */
export async function presentedRow<R extends { secretSha256: Buffer }>(
  prefix: CredentialPrefix,
  presented: string,
  find: (id: string) => Promise<R | undefined>,
): Promise<R | undefined> {
  const given = readCredential(prefix, presented);
  const row = given ? await find(given.id) : undefined;
  return row && given && secretMatches(row.secretSha256, given.secret) ? row : undefined;
}
