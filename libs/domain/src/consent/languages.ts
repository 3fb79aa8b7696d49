/**
 * Each language's consent words as data (compliance.md "Other languages"): whole-message
 * keywords, the words that may follow an opt-out keyword in a reply that goes on asking to stop
 * ("STOP texting me please"), and the plain-words revocation rules. Keywords are written as they
 * compare: upper case, accents removed, inner punctuation as one space.
 */
export interface RevocationRule {
  readonly name: string;
  readonly pattern: RegExp;
}

export interface ConsentLanguage {
  readonly code: 'en' | 'es';
  readonly optOut: readonly string[];
  readonly optIn: readonly string[];
  /** Opt-ins only while the number is opted out (otherwise "yes" answers our question). */
  readonly optInWhenOptedOut: readonly string[];
  readonly help: readonly string[];
  /**
   * What may follow an opt-out keyword in a reply that goes on asking to stop. It revokes when
   * every following word is one of these and it either names messages ("STOP sending these",
   * "PARAR de enviarme mensajes") or is only politeness ("STOP please", "BAJA por favor"); any
   * other word makes it another request ("stop by tomorrow?", "cancelar mi cita", "cancel it").
   */
  readonly keywordLed: {
    readonly messageWords: ReadonlySet<string>;
    readonly objectWords: ReadonlySet<string>;
    readonly politeWords: ReadonlySet<string>;
    /** Keywords that only ever mean "stop messaging me", so "UNSUBSCRIBE me from this number" needs no message word. */
    readonly alwaysAboutMessages: readonly string[];
  };
  /** Clear requests in words; acted on and flagged for a person. */
  readonly revocationRules: readonly RevocationRule[];
}

const EN_MESSAGES = String.raw`(?:text(?:s|ing)?|messag(?:e|es|ing)|sms|contact(?:ing)?|spam(?:ming)?|send(?:ing)?\s+(?:me\s+)?(?:these|this|them|messages|texts))`;
// Spanish after accent removal: mensajes, textos, escribirme, enviarme, mandarme…
const ES_MESSAGES = String.raw`(?:mensajes?|textos?|sms|escrib(?:ir(?:me)?|an(?:me)?|irnos)|envi(?:ar(?:me)?|en(?:me)?)|mand(?:ar(?:me)?|en(?:me)?)|contact(?:ar(?:me)?|en(?:me)?))`;

const words = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

export const english: ConsentLanguage = {
  code: 'en',
  optOut: [
    'STOP',
    'STOPALL',
    'STOP ALL',
    'UNSUBSCRIBE',
    'UNSUB',
    'CANCEL',
    'END',
    'QUIT',
    'REVOKE',
    'OPTOUT',
    'OPT OUT',
  ],
  optIn: ['START', 'UNSTOP', 'RESUME'],
  optInWhenOptedOut: ['YES'],
  help: ['HELP', 'INFO'],
  keywordLed: {
    messageWords: words(
      'texting text texts txt txts txting messaging message messages msg msgs sms sending send contacting calling spamming spam',
    ),
    objectWords: words(
      'these this them it that me us my number phone all your any no more anymore again ever to from with the',
    ),
    politeWords: words(
      'please pls plz now right away immediately asap already thanks thank you ty i said just and',
    ),
    alwaysAboutMessages: [
      'UNSUBSCRIBE',
      'UNSUB',
      'OPTOUT',
      'OPT OUT',
      'STOPALL',
      'STOP ALL',
      'REVOKE',
    ],
  },
  revocationRules: [
    {
      name: 'stop-messaging-me',
      pattern: new RegExp(
        String.raw`\b(?:please\s+)?(?:stop|quit|cease)\s+(?:all\s+)?${EN_MESSAGES}(?:\s+me)?\b`,
        'i',
      ),
    },
    {
      name: 'do-not-message-me',
      pattern: new RegExp(
        String.raw`\b(?:do\s*n[o']?t|never|don't)\s+(?:ever\s+)?${EN_MESSAGES}\s+(?:me|this\s+number)\b`,
        'i',
      ),
    },
    {
      name: 'remove-me',
      pattern:
        /\b(?:remove|delete|take)\s+(?:me|my\s+(?:number|phone(?:\s+number)?))\s+(?:off|from)\b/i,
    },
    { name: 'unsubscribe-me', pattern: /\b(?:unsubscribe|opt\s*me\s*out|opt\s+out\s+of)\b/i },
    {
      name: 'no-more-messages',
      pattern: new RegExp(String.raw`\bno\s+more\s+${EN_MESSAGES}\b`, 'i'),
    },
    { name: 'leave-me-alone', pattern: /\b(?:leave\s+me\s+alone|lose\s+my\s+number)\b/i },
  ],
};

export const spanish: ConsentLanguage = {
  code: 'es',
  optOut: ['PARAR', 'ALTO', 'NO MAS', 'CANCELAR', 'BAJA'],
  optIn: ['COMENZAR', 'INICIAR', 'REANUDAR'],
  optInWhenOptedOut: ['SI'],
  help: ['AYUDA'],
  keywordLed: {
    messageWords: words(
      'enviar enviarme envien envienme mandar mandarme manden mandenme escribir escribirme escriban escribanme mensajes mensaje textos texto sms contactarme contactar',
    ),
    objectWords: words('de me a este numero mi todos todo los las mas no'),
    politeWords: words('por favor porfavor ya ahora mismo inmediatamente gracias'),
    alwaysAboutMessages: ['NO MAS'],
  },
  revocationRules: [
    // "no quiero recibir más mensajes", "no quiero mensajes"
    {
      name: 'es-no-quiero-mensajes',
      pattern: new RegExp(
        String.raw`\bno\s+quiero\s+(?:recibir\s+)?(?:mas\s+|ningun(?:os|as)?\s+)?${ES_MESSAGES}`,
        'i',
      ),
    },
    // "no me envíen / escriban / manden más (mensajes)"
    {
      name: 'es-no-me-escriban',
      pattern: new RegExp(
        String.raw`\bno\s+me\s+(?:envien|escriban|manden|contacten|vuelvan\s+a\s+(?:escribir|enviar|mandar|contactar))\b`,
        'i',
      ),
    },
    // "dejen de enviarme mensajes", "deja de escribirme"
    {
      name: 'es-dejen-de',
      pattern: new RegExp(String.raw`\bdej(?:en|a|e)\s+de\s+${ES_MESSAGES}`, 'i'),
    },
    // "bórrenme / sáquenme de su lista"
    {
      name: 'es-sacarme-de-la-lista',
      pattern: /\b(?:borr|saqu|elimin|quit)(?:enme|ame|eme|arme)\s+de\b/i,
    },
    // "no más mensajes"
    {
      name: 'es-no-mas-mensajes',
      pattern: new RegExp(String.raw`\bno\s+mas\s+${ES_MESSAGES}`, 'i'),
    },
    { name: 'es-darme-de-baja', pattern: /\b(?:denme|darme|me\s+doy|dame)\s+de\s+baja\b/i },
  ],
};

export const consentLanguages: readonly ConsentLanguage[] = [english, spanish];
