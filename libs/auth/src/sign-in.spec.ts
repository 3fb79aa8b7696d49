import { hashPassword, needsRehash, passwordMatches, passwordRefusal } from './passwords';
import { afterFailure, LOCK_AFTER, throttleVerdict, type ThrottleState } from './sign-in-throttle';

describe('passwords (argon2id, NIST-style policy)', () => {
  it('stores an argon2id PHC string that verifies the password and nothing else', async () => {
    const stored = await hashPassword('violet-harbor-lantern');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored).not.toContain('violet');
    await expect(passwordMatches(stored, 'violet-harbor-lantern')).resolves.toBe(true);
    await expect(passwordMatches(stored, 'violet-harbor-lanterN')).resolves.toBe(false);
    await expect(passwordMatches('not a hash', 'violet-harbor-lantern')).resolves.toBe(false);
    expect(needsRehash(stored)).toBe(false);
    expect(needsRehash('$argon2id$v=19$m=4096,t=1,p=1$abc$def')).toBe(true);
  });

  it.each([
    ['short-pass1', 'password: at least 12 characters'],
    ['x'.repeat(129), 'password: at most 128 characters'],
    ['Password1234', 'password: too common'],
    ['abababababab', 'password: too few different characters'],
    ['dana.smith-2026!', 'password: must not contain your email'],
    ['Dana Smith rocks!', 'password: must not contain your name'],
  ])('refuses %j: %s', (password, reason) => {
    expect(
      passwordRefusal(password, { email: 'dana.smith@cool.example', name: 'Dana Smith' }),
    ).toBe(reason);
  });

  it('takes a long passphrase, spaces and all', () => {
    expect(
      passwordRefusal('correct horse battery staple', { email: 'dana@cool.example' }),
    ).toBeUndefined();
  });
});

describe('sign-in throttling', () => {
  const t0 = new Date('2026-12-06T10:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const fail = (s: ThrottleState, ms: number, lockable = true) => afterFailure(s, at(ms), lockable);
  const fresh: ThrottleState = { failures: 0, lastFailureAt: null, lockedUntil: null };

  it('lets the first failures through, then doubles the wait after each', () => {
    let s = fresh;
    for (let i = 0; i < 3; i++) s = fail(s, 0);
    expect(throttleVerdict(s, at(0))).toEqual({ allowed: true });
    s = fail(s, 0); // the 4th: wait 1 s
    expect(throttleVerdict(s, at(500))).toEqual({
      allowed: false,
      reason: 'slow-down',
      retryAfterMs: 500,
    });
    expect(throttleVerdict(s, at(1_000))).toEqual({ allowed: true });
    s = fail(s, 1_000); // the 5th: wait 2 s
    expect(throttleVerdict(s, at(2_000))).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    for (let i = 0; i < 20; i++) s = afterFailure(s, at(0), false);
    expect(throttleVerdict(s, at(0))).toMatchObject({ retryAfterMs: 15 * 60_000 }); // capped
  });

  it('locks an account for 15 minutes at the tenth failure in a row — never for good', () => {
    let s = fresh;
    for (let i = 0; i < LOCK_AFTER; i++) s = fail(s, i * 3_600_000);
    const lockedAt = (LOCK_AFTER - 1) * 3_600_000;
    expect(throttleVerdict(s, at(lockedAt + 60_000))).toMatchObject({
      allowed: false,
      reason: 'locked',
    });
    expect(throttleVerdict(s, at(lockedAt + 15 * 60_000 + 1))).toMatchObject({ allowed: true });
    // Addresses are slowed down, never locked.
    let byAddress = fresh;
    for (let i = 0; i < LOCK_AFTER; i++) byAddress = fail(byAddress, 0, false);
    expect(byAddress.lockedUntil).toBeNull();
  });
});
