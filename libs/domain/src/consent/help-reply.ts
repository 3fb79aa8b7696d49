import type { LocationProfile } from '@textback/contracts';

/** CTIA: a HELP reply names the business, says how to reach it and how to opt out; no marketing. */
export function helpReply(location: Pick<LocationProfile, 'brandName' | 'locationName' | 'businessNumbers'>): string {
  const phone = location.businessNumbers[0] ?? '';
  return `${location.brandName} (${location.locationName}): missed-call text line. For help call ${phone}. Msg&data rates may apply. Reply STOP to opt out.`;
}

/** The one opt-out confirmation allowed (within 5 minutes, no marketing). */
export function optOutConfirmation(location: Pick<LocationProfile, 'brandName'>): string {
  return `${location.brandName}: you're unsubscribed and will get no more texts from us. Reply START to resubscribe.`;
}
