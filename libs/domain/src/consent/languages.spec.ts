import { helpReply } from './help-reply';
import { keywordIntent, readKeyword } from './keywords';
import { english, spanish } from './languages';
import { readPlainWords } from './plain-words';
import { readConsentReply } from './reading';

/** Case, accents, spacing and trailing punctuation a customer might type around a keyword. */
const variants = (k: string): string[] => [
  k,
  k.toLowerCase(),
  `${k[0]}${k.slice(1).toLowerCase()}`,
  ` ${k} `,
  `${k}.`,
  `${k}!!`,
  `${k}?`,
  `¡${k}!`,
  `${k} 🙏`,
];

describe.each([english, spanish])('$code keywords (data table)', (language) => {
  it.each(language.optOut.flatMap((k) => variants(k)))('"%s" is an opt-out', (text) => {
    expect(keywordIntent(text, false)).toBe('opt-out');
  });
  it.each(language.optIn)('"%s" opts back in', (text) => {
    expect(keywordIntent(text, true)).toBe('opt-in');
  });
  it.each(language.optInWhenOptedOut)('"%s" opts in only while opted out', (text) => {
    expect(keywordIntent(text, true)).toBe('opt-in');
    expect(keywordIntent(text, false)).toBeUndefined();
  });
  it.each(language.help.flatMap((k) => [k, k.toLowerCase(), `${k}?`]))(
    '"%s" asks for help',
    (text) => {
      expect(readKeyword(text, false)).toMatchObject({ intent: 'help', language: language.code });
    },
  );
});

describe('Spanish accents are optional', () => {
  it.each(['NO MÁS', 'no más', 'No Mas', 'no-mas!', 'Sí'])('"%s"', (text) => {
    expect(keywordIntent(text, true)).toBe(text.startsWith('S') ? 'opt-in' : 'opt-out');
  });
});

describe('keyword-led replies', () => {
  it.each([
    'STOP texting me please',
    'Stop sending these',
    'stop texting me',
    'STOP!!! No more texts',
    'Stop please',
    'QUIT messaging me',
    'unsubscribe me from this number please',
    'END these texts now',
    'STOP ALL texts',
    'PARAR de enviarme mensajes',
    'Baja por favor',
    'ALTO ya no me escriban',
    'Cancelar mensajes',
    'NO MÁS mensajes por favor',
  ])('"%s" revokes', (text) => {
    expect(readConsentReply(text, { currentlyOptedOut: false })).toMatchObject({
      kind: 'opt-out',
      source: 'keyword',
    });
  });

  it.each([
    'stop by tomorrow?',
    'Please stop by at 3',
    'STOP the leak please, water everywhere',
    'Cancel my appointment',
    'Cancel it',
    'End of the week works',
    'quiero cancelar mi cita',
    'Cancelar la cita del martes',
    'baja la temperatura?',
    'alto el agua sale por todos lados',
    'parar el agua como?',
  ])('"%s" is another request, not an opt-out', (text) => {
    expect(readConsentReply(text, { currentlyOptedOut: false }).kind).not.toBe('opt-out');
  });
});

describe('plain words, per language', () => {
  it('has an example below for every rule of every language', () => {
    const tested = new Set([
      'stop-messaging-me',
      'remove-me',
      'es-no-quiero-mensajes',
      'es-no-me-escriban',
      'es-dejen-de',
      'es-sacarme-de-la-lista',
      'es-darme-de-baja',
      'es-no-mas-mensajes',
    ]);
    // English's other rules have their examples in consent.spec.ts.
    const inConsentSpec = new Set([
      'do-not-message-me',
      'unsubscribe-me',
      'no-more-messages',
      'leave-me-alone',
    ]);
    for (const rule of [...english.revocationRules, ...spanish.revocationRules])
      expect([rule.name, tested.has(rule.name) || inConsentSpec.has(rule.name)]).toEqual([
        rule.name,
        true,
      ]);
  });

  it.each([
    ['no quiero recibir más mensajes', 'es-no-quiero-mensajes'],
    ['No quiero mensajes', 'es-no-quiero-mensajes'],
    ['por favor no me envíen más', 'es-no-me-escriban'],
    ['no me vuelvan a escribir', 'es-no-me-escriban'],
    ['dejen de enviarme mensajes', 'es-dejen-de'],
    ['bórrenme de su lista', 'es-sacarme-de-la-lista'],
    ['sáquenme de la lista', 'es-sacarme-de-la-lista'],
    ['denme de baja', 'es-darme-de-baja'],
    ['ya por favor, no más textos', 'es-no-mas-mensajes'],
    ['please stop texting me', 'stop-messaging-me'],
    ['remove me from your list', 'remove-me'],
  ])('"%s" revokes (%s)', (text, rule) => {
    expect(readPlainWords(text)).toEqual({ kind: 'revocation', rule });
  });

  it.each([
    '¿me van a dejar de enviar mensajes si reservo?',
    'Will you stop texting me if I book?',
  ])('"%s" goes to a person', (text) => {
    expect(readPlainWords(text).kind).toBe('ambiguous');
  });

  it.each([
    'quiero cancelar mi cita',
    'mi aire acondicionado no funciona',
    '¿pueden venir mañana?',
    'gracias por el mensaje',
  ])('"%s" is not about consent', (text) => {
    expect(readPlainWords(text)).toEqual({ kind: 'none' });
  });
});

describe('the carrier intent', () => {
  it('counts when our own words did not match, and never over a keyword', () => {
    expect(readConsentReply('ok', { currentlyOptedOut: false, carrierIntent: 'optout' })).toEqual({
      kind: 'opt-out',
      source: 'carrier-intent',
      detail: 'optout',
    });
    expect(
      readConsentReply('START', { currentlyOptedOut: true, carrierIntent: 'optout' }),
    ).toMatchObject({ kind: 'opt-in', source: 'keyword' });
  });
});

describe('HELP reply content (CTIA)', () => {
  const location = {
    brandName: 'Cool Breeze Heating & Air',
    locationName: 'Atlanta North',
    businessNumbers: ['+14045550100' as never],
  };
  it.each([
    [
      'en',
      [
        'Cool Breeze Heating & Air',
        '+14045550100',
        'Msg frequency varies',
        'Msg&data rates may apply',
        'Reply STOP to opt out',
      ],
    ],
    [
      'es',
      [
        'Cool Breeze Heating & Air',
        '+14045550100',
        'Frecuencia de mensajes variable',
        'tarifas de mensajes y datos',
        'Responda PARAR',
      ],
    ],
  ] as const)('%s: program, help contact, frequency, rates and opt-out', (language, parts) => {
    const reply = helpReply(location, language);
    for (const part of parts) expect(reply).toContain(part);
  });
});
