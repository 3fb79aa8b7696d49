import type { CallOutcome, E164, LocationProfile, SuppressionReason } from '@textback/contracts';
import { isOpenAt } from './business-hours';

export type TextbackDecision =
  | { readonly outcome: 'requested'; readonly sendAfter: Date }
  | { readonly outcome: 'suppressed'; readonly reason: SuppressionReason };

/** A call nobody at the business spoke to: the caller is owed a text. */
export function isMissedCall(outcome: CallOutcome): boolean {
  switch (outcome) {
    case 'answered':
      return false;
    case 'no-answer':
    case 'busy':
    case 'caller-abandoned':
    case 'voicemail':
    case 'failed':
      return true;
  }
}

export const lineTypes = ['mobile', 'fixed', 'voip', 'toll-free', 'unknown'] as const;
export type LineType = (typeof lineTypes)[number];

/** Everything the decision needs, gathered by the decision service beforehand. */
export interface TextbackContext {
  readonly call: {
    readonly outcome: CallOutcome;
    readonly callerNumber: E164;
    readonly endedAt: string;
  };
  /** The location the call rang at; undefined when it is unknown or no longer configured. */
  readonly location: LocationProfile | undefined;
  /** The caller's consent with this tenant, as compliance last published it. */
  readonly consent: 'opted-in' | 'opted-out' | 'no-record';
  /** When this caller was last texted back by this location (the dedupe window's anchor). */
  readonly lastTextbackAt: Date | undefined;
  /** From Lookup; undefined when it could not be looked up (then we text: the carrier will tell). */
  readonly lineType: LineType | undefined;
  readonly now: Date;
}

/**
 * Whether to text the caller back, and when. Pure: every fact is passed in. The checks run in a
 * fixed order so each suppressed call carries the first reason that applied.
 */
export function decideTextback(c: TextbackContext): TextbackDecision {
  const suppressed = (reason: SuppressionReason): TextbackDecision => ({
    outcome: 'suppressed',
    reason,
  });
  if (!isMissedCall(c.call.outcome)) return suppressed('call-answered');
  const location = c.location;
  if (!location || !location.active) return suppressed('location-not-found');
  if (location.spamNumbers.includes(c.call.callerNumber)) return suppressed('spam-caller');
  if (c.consent === 'opted-out') return suppressed('opted-out');
  if (c.lastTextbackAt && location.dedupeWindowMinutes > 0) {
    const windowEnds = c.lastTextbackAt.getTime() + location.dedupeWindowMinutes * 60_000;
    if (Date.parse(c.call.endedAt) < windowEnds) return suppressed('duplicate-within-window');
  }
  if (location.textbackHours !== 'always') {
    const open = isOpenAt(location.businessHours, location.timezone, new Date(c.call.endedAt));
    if (open !== (location.textbackHours === 'business-hours'))
      return suppressed('outside-business-hours');
  }
  if (c.lineType === 'fixed') return suppressed('landline');
  return {
    outcome: 'requested',
    sendAfter: new Date(c.now.getTime() + location.sendDelaySeconds * 1000),
  };
}
