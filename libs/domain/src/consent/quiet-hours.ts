import { DateTime } from 'luxon';

/**
 * Quiet hours as data (compliance.md): the federal window (TCPA, 8:00–21:00 in the recipient's
 * local time) and stricter state rules (FL, OK, MD: 8:00–20:00 and at most 3 messages per 24 h).
 * A tenant may only tighten them.
 */
export interface QuietHoursRule {
  readonly name: string;
  readonly start: string; // HH:MM, first allowed minute
  readonly end: string; // HH:MM, first disallowed minute
  readonly maxPer24h?: number;
}

export const federalRule: QuietHoursRule = { name: 'federal-tcpa', start: '08:00', end: '21:00' };
export const stateRules: Readonly<Record<string, QuietHoursRule>> = {
  FL: { name: 'florida-ftsa', start: '08:00', end: '20:00', maxPer24h: 3 },
  OK: { name: 'oklahoma-tsa', start: '08:00', end: '20:00', maxPer24h: 3 },
  MD: { name: 'maryland-stop-the-spam-calls', start: '08:00', end: '20:00', maxPer24h: 3 },
};

/**
 * Area codes of the states with stricter rules, and the zone each rings in, so the recipient's
 * own clock applies where the number tells us (850, the Florida panhandle, spans two zones: the
 * later, Central, is used so no one is texted early). Elsewhere the location's zone applies.
 */
type AreaRule = readonly [areaCode: string, rule: { state: string; zone: string }];
const areaCodes: Readonly<Record<string, { state: string; zone: string }>> = Object.fromEntries<
  AreaRule[1]
>([
  ...[
    '239',
    '305',
    '321',
    '324',
    '352',
    '386',
    '407',
    '448',
    '561',
    '645',
    '656',
    '689',
    '727',
    '728',
    '754',
    '772',
    '786',
    '813',
    '863',
    '904',
    '941',
    '954',
  ].map((a): AreaRule => [a, { state: 'FL', zone: 'America/New_York' }]),
  ['850', { state: 'FL', zone: 'America/Chicago' }] as AreaRule,
  ...['405', '539', '572', '580', '918'].map((a): AreaRule => [
    a,
    { state: 'OK', zone: 'America/Chicago' },
  ]),
  ...['227', '240', '301', '410', '443', '667'].map((a): AreaRule => [
    a,
    { state: 'MD', zone: 'America/New_York' },
  ]),
]);

export interface Recipient {
  readonly zone: string;
  readonly state: string | undefined;
  readonly zoneFrom: 'number' | 'location';
}

export function recipientOf(e164: string, locationZone: string): Recipient {
  const nanp = /^\+1(\d{3})\d{7}$/.exec(e164);
  const known = nanp ? areaCodes[nanp[1] ?? ''] : undefined;
  return known
    ? { zone: known.zone, state: known.state, zoneFrom: 'number' }
    : { zone: locationZone, state: undefined, zoneFrom: 'location' };
}

/** The strictest window of the rules that apply (federal, the recipient's state, the tenant's own). */
export function applicableRule(recipient: Recipient, tenantRule?: QuietHoursRule): QuietHoursRule {
  const state = recipient.state ? stateRules[recipient.state] : undefined;
  const rules = [federalRule, ...(state ? [state] : []), ...(tenantRule ? [tenantRule] : [])];
  return rules.reduce((a, b) => ({
    name:
      a.start >= b.start && a.end <= b.end
        ? a.name
        : b.start >= a.start && b.end <= a.end
          ? b.name
          : `${a.name}+${b.name}`,
    start: a.start > b.start ? a.start : b.start,
    end: a.end < b.end ? a.end : b.end,
    ...(a.maxPer24h !== undefined || b.maxPer24h !== undefined
      ? { maxPer24h: Math.min(a.maxPer24h ?? Infinity, b.maxPer24h ?? Infinity) }
      : {}),
  }));
}

/**
 * The first moment at or after `at` when a message may go to this recipient: `at` itself inside
 * the window, else the next window opening in the recipient's zone (DST-safe: luxon resolves the
 * local wall-clock time on that day).
 */
export function nextAllowedTime(at: Date, recipient: Recipient, rule: QuietHoursRule): Date {
  const local = DateTime.fromJSDate(at, { zone: recipient.zone });
  const hhmm = local.toFormat('HH:mm');
  if (hhmm >= rule.start && hhmm < rule.end) return at;
  const [h, m] = rule.start.split(':').map(Number) as [number, number];
  const day = hhmm < rule.start ? local : local.plus({ days: 1 });
  return day.set({ hour: h, minute: m, second: 0, millisecond: 0 }).toJSDate();
}

/**
 * The frequency cap (e.g. 3 per 24 h on the same subject in FL/OK/MD): undefined when another
 * message may go now, else when the oldest of the last `maxPer24h` leaves the 24-hour window.
 */
export function frequencyCapDeferral(
  sentAt: readonly Date[],
  rule: QuietHoursRule,
  now: Date,
): Date | undefined {
  if (rule.maxPer24h === undefined) return undefined;
  const dayAgo = now.getTime() - 86_400_000;
  const recent = sentAt
    .map((d) => d.getTime())
    .filter((t) => t > dayAgo)
    .sort((a, b) => a - b);
  if (recent.length < rule.maxPer24h) return undefined;
  const oldestCounted = recent[recent.length - rule.maxPer24h] ?? recent[0] ?? now.getTime();
  return new Date(oldestCounted + 86_400_000);
}
