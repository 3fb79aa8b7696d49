import type { LocationProfile } from '@textback/contracts';

/**
 * CTIA: a HELP reply names the program or business, gives a way to get help, states the message
 * frequency, says message and data rates may apply and how to opt out; no marketing. Answered in
 * the language the customer asked in.
 */
export function helpReply(
  location: Pick<LocationProfile, 'brandName' | 'locationName' | 'businessNumbers'>,
  language: 'en' | 'es' = 'en',
): string {
  const phone = location.businessNumbers[0] ?? '';
  const name = `${location.brandName} (${location.locationName})`;
  if (language === 'es') {
    return `${name}: línea de mensajes por llamadas perdidas. Ayuda: llame al ${phone}. Frecuencia de mensajes variable. Pueden aplicarse tarifas de mensajes y datos. Responda PARAR para no recibir más.`;
  }
  return `${name}: missed-call text line. For help call ${phone}. Msg frequency varies. Msg&data rates may apply. Reply STOP to opt out.`;
}

/** The one opt-out confirmation allowed (within 5 minutes, no marketing). */
export function optOutConfirmation(location: Pick<LocationProfile, 'brandName'>): string {
  return `${location.brandName}: you're unsubscribed and will get no more texts from us. Reply START to resubscribe.`;
}
