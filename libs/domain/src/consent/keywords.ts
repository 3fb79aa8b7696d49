/**
 * Reading an inbound text for consent (compliance.md): a message that IS a keyword (ignoring
 * case, surrounding spaces and punctuation) acts; a keyword inside a sentence does not
 * ("Can I cancel my appointment?" is a scheduling question).
 */
export type KeywordIntent = 'opt-out' | 'opt-in' | 'help';

const OPT_OUT = ['STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'UNSUB', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT'];
const OPT_IN = ['START', 'UNSTOP', 'RESUME'];
/** Only an opt-in while the number is opted out (otherwise "yes" answers our question). */
const OPT_IN_WHEN_OPTED_OUT = ['YES'];
const HELP = ['HELP', 'INFO'];

/** Upper-case, punctuation and emoji stripped from the ends, inner runs of space/-/_ made one space. */
export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .replace(/[\s\-_.]+/g, ' ')
    .trim();
}

export function keywordIntent(text: string, currentlyOptedOut: boolean): KeywordIntent | undefined {
  const k = normaliseKeyword(text);
  if (OPT_OUT.includes(k)) return 'opt-out';
  if (OPT_IN.includes(k)) return 'opt-in';
  if (currentlyOptedOut && OPT_IN_WHEN_OPTED_OUT.includes(k)) return 'opt-in';
  if (HELP.includes(k)) return 'help';
  return undefined;
}
