import type { LocationProfile } from '@textback/contracts';
import { isOpenAt } from '@textback/domain';

/**
 * Whether answer_url forwards a call to the business phone (open, or after-hours calls are
 * forwarded) and whether it screens it. The same rule rebuilds a call whose answer was never
 * written (the process died first) from its later callbacks.
 */
export function dialDecision(
  location: LocationProfile,
  at: Date,
): { dialed: boolean; screened: boolean } {
  const open = isOpenAt(location.businessHours, location.timezone, at);
  const dialed = open || location.afterHoursCall === 'forward';
  return { dialed, screened: dialed && location.screenCalls };
}
