import { DateTime } from 'luxon';
import type { BusinessHours, Weekday } from '@textback/contracts';

const weekdays: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Whether a location is open at an instant, read in the location's own time zone (DST-safe). */
export function isOpenAt(hours: BusinessHours, timezone: string, at: Date): boolean {
  const local = DateTime.fromJSDate(at, { zone: timezone });
  const day = weekdays[local.weekday - 1];
  if (!day) return false;
  const hhmm = local.toFormat('HH:mm');
  return (hours[day] ?? []).some((p) => p.open <= hhmm && hhmm < p.close);
}
