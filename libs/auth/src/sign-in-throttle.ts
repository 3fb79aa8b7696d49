/**
 * How failed sign-ins slow down further attempts, per account and per address: the first few
 * are free, then each waits twice as long as the last (1 s, 2 s, 4 s … at most 15 minutes), and
 * from the tenth in a row the account is locked for 15 minutes — always temporary (no one locks
 * another person out for good by guessing), liftable earlier by a brand-admin. A success resets.
 */
export const FREE_FAILURES = 3;
export const LOCK_AFTER = 10;
export const MAX_DELAY_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;

export interface ThrottleState {
  failures: number;
  lastFailureAt: Date | null;
  lockedUntil: Date | null;
}

export type ThrottleVerdict =
  { allowed: true } | { allowed: false; reason: 'locked' | 'slow-down'; retryAfterMs: number };

/** Whether an attempt may be checked now. */
export function throttleVerdict(state: ThrottleState, now: Date): ThrottleVerdict {
  if (state.lockedUntil && state.lockedUntil > now)
    return {
      allowed: false,
      reason: 'locked',
      retryAfterMs: state.lockedUntil.getTime() - now.getTime(),
    };
  const over = state.failures - FREE_FAILURES - 1;
  if (over < 0 || !state.lastFailureAt) return { allowed: true };
  const waitMs = Math.min(MAX_DELAY_MS, 1000 * 2 ** over);
  const allowedAt = state.lastFailureAt.getTime() + waitMs;
  return allowedAt <= now.getTime()
    ? { allowed: true }
    : { allowed: false, reason: 'slow-down', retryAfterMs: allowedAt - now.getTime() };
}

/** The state after one more failure (a lock when the account reaches `LOCK_AFTER` in a row). */
export function afterFailure(state: ThrottleState, now: Date, lockable: boolean): ThrottleState {
  const failures = state.failures + 1;
  const lock = lockable && failures >= LOCK_AFTER && failures % LOCK_AFTER === 0;
  return {
    failures,
    lastFailureAt: now,
    lockedUntil: lock ? new Date(now.getTime() + LOCK_MS) : state.lockedUntil,
  };
}
