import type { CallOutcome, SuppressionReason } from '@textback/contracts';

export type TextbackDecision =
  | { readonly outcome: 'requested' }
  | { readonly outcome: 'suppressed'; readonly reason: SuppressionReason };

/** A call nobody at the business spoke to: the caller is owed a text. */
export function isMissedCall(outcome: CallOutcome): boolean {
  switch (outcome) {
    case 'answered':
      return false;
    case 'no-answer':
    case 'busy':
    case 'caller-abandoned':
    case 'voicemail':
    case 'failed':
      return true;
  }
}

/**
 * Whether to text the caller back. Pure: everything it needs is passed in. The rules that need
 * tenancy, consent and history (spam list, opt-outs, dedupe window, business hours, line type)
 * are added here as their issues land; each returns its own reason code.
 */
export function decideTextback(call: { readonly outcome: CallOutcome }): TextbackDecision {
  if (!isMissedCall(call.outcome)) return { outcome: 'suppressed', reason: 'call-answered' };
  return { outcome: 'requested' };
}
