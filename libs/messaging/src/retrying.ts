import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { codeOf, describe, isRetryable } from './event-messages';

export interface RetryOptions {
  /** Attempts before a message is dead-lettered (the first try included). */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Runs a handler with exponential backoff while its error is retryable. What finally fails is
 * thrown as an Error carrying `attempts` and the error's `code` (for the dead letter's headers).
 */
export async function retrying(
  options: RetryOptions,
  work: () => Promise<void>,
  onRetry: (delayMs: number) => void,
): Promise<void> {
  const policy = retry(handleWhen(isRetryable), {
    maxAttempts: options.maxAttempts - 1,
    backoff: new ExponentialBackoff({
      initialDelay: options.initialDelayMs,
      maxDelay: options.maxDelayMs,
    }),
  });
  policy.onRetry(({ delay }) => onRetry(delay));
  let attempts = 0;
  try {
    await policy.execute(() => {
      attempts++;
      return work();
    });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(describe(err));
    throw Object.assign(new Error(e.message), { name: e.name, attempts, code: codeOf(err) });
  }
}
