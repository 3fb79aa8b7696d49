import { hash, verify } from '@node-rs/argon2';

/**
 * Passwords: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), stored as the
 * PHC string the library writes (algorithm, parameters and salt travel with the hash, so they can
 * be raised later: `needsRehash`).
 */
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function passwordMatches(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false; // a malformed stored hash never matches
  }
}

/** Whether a stored hash was made with weaker parameters than today's (re-hash at next sign-in). */
export function needsRehash(stored: string): boolean {
  const m = /\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  return !m || Number(m[1]) < PARAMS.memoryCost || Number(m[2]) < PARAMS.timeCost;
}

/** A handful of the passwords every list of breached passwords starts with (checked lowercased). */
const COMMON = new Set([
  'password1234',
  'password12345',
  'password123456',
  'passwordpassword',
  'qwertyuiop123',
  '123456789012',
  '1234567890123',
  'iloveyou1234',
  'letmein12345',
  'welcome12345',
  'changeme1234',
  'administrator',
  'qwerty123456',
  'abc123456789',
  'textback1234',
]);

/**
 * Why a password is refused, or undefined (NIST SP 800-63B: length over composition rules — at
 * least 12 characters, at most 128, not a well-known one, not the person's own email or name,
 * not one character repeated).
 */
export function passwordRefusal(
  password: string,
  person: { email: string; name?: string | undefined },
): string | undefined {
  const chars = [...password];
  if (chars.length < 12) return 'password: at least 12 characters';
  if (chars.length > 128) return 'password: at most 128 characters';
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'password: too common';
  if (new Set(chars).size < 4) return 'password: too few different characters';
  const local = person.email.toLowerCase().split('@')[0] ?? '';
  if (local.length >= 4 && lower.includes(local)) return 'password: must not contain your email';
  const name = person.name?.toLowerCase().replace(/\s+/g, '') ?? '';
  if (name.length >= 4 && lower.replace(/\s+/g, '').includes(name))
    return 'password: must not contain your name';
  return undefined;
}
