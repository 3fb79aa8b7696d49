/**
 * Revocation "by any reasonable means" (FCC 24-24): a message that clearly asks us to stop is an
 * opt-out, recorded as plain words and flagged for a human to confirm. Messages that talk about
 * stopping texts without clearly asking are flagged, never acted on. Rules are data, each named.
 */
export type PlainWordsVerdict =
  | { readonly kind: 'revocation'; readonly rule: string }
  | { readonly kind: 'ambiguous'; readonly rule: string }
  | { readonly kind: 'none' };

const MESSAGES = String.raw`(?:text(?:s|ing)?|messag(?:e|es|ing)|sms|contact(?:ing)?|spam(?:ming)?)`;

export const revocationRules: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'stop-messaging-me', pattern: new RegExp(String.raw`\b(?:please\s+)?(?:stop|quit|cease)\s+(?:all\s+)?${MESSAGES}(?:\s+me)?\b`, 'i') },
  { name: 'do-not-message-me', pattern: new RegExp(String.raw`\b(?:do\s*n[o']?t|never|don't)\s+(?:ever\s+)?${MESSAGES}\s+(?:me|this\s+number)\b`, 'i') },
  { name: 'remove-me', pattern: /\b(?:remove|delete|take)\s+(?:me|my\s+(?:number|phone(?:\s+number)?))\s+(?:off|from)\b/i },
  { name: 'unsubscribe-me', pattern: /\b(?:unsubscribe|opt\s*me\s*out|opt\s+out\s+of)\b/i },
  { name: 'no-more-messages', pattern: new RegExp(String.raw`\bno\s+more\s+${MESSAGES}\b`, 'i') },
  { name: 'leave-me-alone', pattern: /\b(?:leave\s+me\s+alone|lose\s+my\s+number)\b/i },
];

/** Questions about stopping texts ("will you stop texting me if I book?") go to a person. */
const questionLike = /\?\s*$|^\s*(?:will|would|can|could|does|if|how|when|why)\b|^\s*do\s+(?:you|i|we|they)\b/i;
const mentionsStopping = new RegExp(String.raw`\b(?:stop|quit|unsubscribe|remove|opt)\b[\s\S]*\b${MESSAGES}\b|\b${MESSAGES}\b[\s\S]*\b(?:stop|quit|unsubscribe|remove)\b`, 'i');

export function readPlainWords(text: string): PlainWordsVerdict {
  const rule = revocationRules.find((r) => r.pattern.test(text));
  if (rule) return questionLike.test(text) ? { kind: 'ambiguous', rule: rule.name } : { kind: 'revocation', rule: rule.name };
  if (mentionsStopping.test(text)) return { kind: 'ambiguous', rule: 'mentions-stopping-messages' };
  return { kind: 'none' };
}
