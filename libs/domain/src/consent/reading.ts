import { readKeyword } from './keywords';
import { readPlainWords } from './plain-words';

/** Plivo's own reading of an inbound text (`MessageIntent`, plivo.md §4). */
export type CarrierIntent = 'optout' | 'optin' | 'help';

/**
 * What an inbound text means for consent, in order: our keywords (whole-message or
 * keyword-led), then the carrier's MessageIntent, then plain words. `review` marks what a person
 * should look at (plain-words revocations and messages that only talk about stopping).
 */
export type ConsentReading =
  | {
      readonly kind: 'opt-out' | 'opt-in';
      readonly source: 'keyword';
      readonly detail: string;
      readonly language: 'en' | 'es';
    }
  | { readonly kind: 'help'; readonly detail: string; readonly language: 'en' | 'es' }
  | {
      readonly kind: 'opt-out' | 'opt-in';
      readonly source: 'carrier-intent';
      readonly detail: CarrierIntent;
    }
  | {
      readonly kind: 'opt-out';
      readonly source: 'plain-words';
      readonly detail: string;
      readonly review: true;
    }
  | { readonly kind: 'review'; readonly detail: string }
  | { readonly kind: 'none' };

export function readConsentReply(
  text: string,
  o: { currentlyOptedOut: boolean; carrierIntent?: CarrierIntent | undefined },
): ConsentReading {
  const keyword = readKeyword(text, o.currentlyOptedOut);
  if (keyword?.intent === 'help')
    return { kind: 'help', detail: keyword.keyword, language: keyword.language };
  if (keyword) {
    const detail = keyword.keywordLed ? `${keyword.keyword} (keyword-led)` : keyword.keyword;
    return { kind: keyword.intent, source: 'keyword', detail, language: keyword.language };
  }
  if (o.carrierIntent === 'optout' || o.carrierIntent === 'optin') {
    return {
      kind: o.carrierIntent === 'optout' ? 'opt-out' : 'opt-in',
      source: 'carrier-intent',
      detail: o.carrierIntent,
    };
  }
  const plain = readPlainWords(text);
  if (plain.kind === 'revocation')
    return { kind: 'opt-out', source: 'plain-words', detail: plain.rule, review: true };
  if (plain.kind === 'ambiguous') return { kind: 'review', detail: plain.rule };
  return { kind: 'none' };
}

/** Whether a text withdraws consent (conversation ends automation on it; the ack waits for compliance). */
export function revokesConsent(text: string, carrierIntent?: CarrierIntent): boolean {
  return readConsentReply(text, { currentlyOptedOut: false, carrierIntent }).kind === 'opt-out';
}
