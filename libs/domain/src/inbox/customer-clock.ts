import { DateTime } from 'luxon';
import { applicableRule, nextAllowedTime, recipientOf } from '../consent/quiet-hours';

export interface CustomerClock {
  /** The customer's zone: from their area code where it tells, else the location's. */
  readonly zone: string;
  readonly localTime: string;
  /** Outside the sending window that applies to them (federal, their state's, the tenant's). */
  readonly quietHours: boolean;
  /** When the window opens again (only in quiet hours). */
  readonly windowOpensAt: string | undefined;
  readonly rule: string;
}

/**
 * What an operator should know before typing: the customer's time and whether it is quiet hours
 * for them. A reply to the customer's own message still goes (it answers them); follow-ups wait.
 */
export function customerClock(
  customerNumber: string,
  location: { timezone: string; quietHours?: { start: string; end: string } | undefined },
  now: Date,
): CustomerClock {
  const recipient = recipientOf(customerNumber, location.timezone);
  const rule = applicableRule(
    recipient,
    location.quietHours ? { name: 'tenant', ...location.quietHours } : undefined,
  );
  const opens = nextAllowedTime(now, recipient, rule);
  const quiet = opens.getTime() > now.getTime();
  return {
    zone: recipient.zone,
    localTime: DateTime.fromJSDate(now, { zone: recipient.zone }).toFormat('HH:mm'),
    quietHours: quiet,
    windowOpensAt: quiet ? opens.toISOString() : undefined,
    rule: rule.name,
  };
}
