import { withoutAccents } from './keywords';
import { consentLanguages, type RevocationRule } from './languages';

/**
 * Revocation "by any reasonable means" (FCC 24-24), in each language we hold: a message that
 * clearly asks us to stop is an opt-out, recorded as plain words and flagged for a human to
 * confirm. Messages that talk about stopping texts without clearly asking are flagged, never
 * acted on. Rules are data (`./languages`), each named.
 */
export type PlainWordsVerdict =
  | { readonly kind: 'revocation'; readonly rule: string }
  | { readonly kind: 'ambiguous'; readonly rule: string }
  | { readonly kind: 'none' };

/** Every language's rules, English first (the names say which language a rule is for). */
export const revocationRules: readonly RevocationRule[] = consentLanguages.flatMap(
  (l) => l.revocationRules,
);

const MESSAGES = String.raw`(?:text(?:s|ing)?|messag(?:e|es|ing)|sms|contact(?:ing)?|spam(?:ming)?|mensajes?|textos?)`;
/** Questions about stopping texts ("will you stop texting me if I book?", "¿me dejarán de escribir?") go to a person. */
const questionLike =
  /\?\s*$|^\s*¿|^\s*(?:will|would|can|could|does|if|how|when|why)\b|^\s*do\s+(?:you|i|we|they)\b/i;
const mentionsStopping = new RegExp(
  String.raw`\b(?:stop|quit|unsubscribe|remove|opt|dejar|parar|baja)\b[\s\S]*\b${MESSAGES}\b|\b${MESSAGES}\b[\s\S]*\b(?:stop|quit|unsubscribe|remove|dejar|parar)\b`,
  'i',
);

export function readPlainWords(text: string): PlainWordsVerdict {
  const plain = withoutAccents(text);
  const rule = revocationRules.find((r) => r.pattern.test(plain));
  if (rule)
    return questionLike.test(text)
      ? { kind: 'ambiguous', rule: rule.name }
      : { kind: 'revocation', rule: rule.name };
  if (mentionsStopping.test(plain))
    return { kind: 'ambiguous', rule: 'mentions-stopping-messages' };
  return { kind: 'none' };
}
