import { consentLanguages, type ConsentLanguage } from './languages';

/**
 * Reading an inbound text for consent (compliance.md): a message that IS a keyword (ignoring
 * case, accents, surrounding spaces and punctuation) acts, in any language we hold
 * (`./languages`); so does a reply that opens with an opt-out keyword and goes on asking to stop
 * ("STOP texting me please"). A keyword inside another request does not ("Can I cancel my
 * appointment?", "stop by tomorrow?", "quiero cancelar mi cita").
 */
export type KeywordIntent = 'opt-out' | 'opt-in' | 'help';

export interface KeywordMatch {
  readonly intent: KeywordIntent;
  /** The keyword as compared ("STOP", "NO MAS"). */
  readonly keyword: string;
  readonly language: ConsentLanguage['code'];
  /** An opt-out keyword followed by words asking to stop ("STOP sending these"). */
  readonly keywordLed: boolean;
}

/** Accents removed (NO MÁS = NO MAS), upper case, inner runs of space/-/_/. made one space. */
export function normaliseKeyword(text: string): string {
  return withoutAccents(text.normalize('NFKC'))
    .toUpperCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .replace(/[\s\-_.]+/g, ' ')
    .trim();
}

export function withoutAccents(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .normalize('NFC');
}

export function readKeyword(text: string, currentlyOptedOut: boolean): KeywordMatch | undefined {
  const k = normaliseKeyword(text);
  for (const language of consentLanguages) {
    const match = (intent: KeywordIntent): KeywordMatch => ({
      intent,
      keyword: k,
      language: language.code,
      keywordLed: false,
    });
    if (language.optOut.includes(k)) return match('opt-out');
    if (language.optIn.includes(k)) return match('opt-in');
    if (currentlyOptedOut && language.optInWhenOptedOut.includes(k)) return match('opt-in');
    if (language.help.includes(k)) return match('help');
  }
  return keywordLedOptOut(k);
}

/** The intent alone (callers that only need to know whether a text is a consent keyword). */
export function keywordIntent(text: string, currentlyOptedOut: boolean): KeywordIntent | undefined {
  return readKeyword(text, currentlyOptedOut)?.intent;
}

/** "STOP texting me please": an opt-out keyword first, then only words that ask to stop. */
function keywordLedOptOut(normalised: string): KeywordMatch | undefined {
  const tokens = normalised
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .filter(Boolean);
  for (const language of consentLanguages) {
    // Longest keyword first, so "STOP ALL texts" reads STOP ALL + texts.
    const keywords = [...language.optOut].sort((a, b) => b.length - a.length);
    for (const keyword of keywords) {
      const head = keyword.toLowerCase().split(' ');
      if (tokens.length <= head.length || head.some((w, i) => tokens[i] !== w)) continue;
      const rest = tokens.slice(head.length).map((w) => w.replace(/'/g, ''));
      const { messageWords, objectWords, politeWords, alwaysAboutMessages } = language.keywordLed;
      const allowed = rest.every(
        (w) => messageWords.has(w) || objectWords.has(w) || politeWords.has(w),
      );
      const asksToStop =
        alwaysAboutMessages.includes(keyword) ||
        rest.some((w) => messageWords.has(w)) ||
        rest.every((w) => politeWords.has(w));
      if (allowed && asksToStop)
        return { intent: 'opt-out', keyword, language: language.code, keywordLed: true };
      return undefined;
    }
  }
  return undefined;
}
