import type { SmsPurpose } from '@textback/contracts';
import {
  applicableRule,
  frequencyCapDeferral,
  nextAllowedTime,
  recipientOf,
  type QuietHoursRule,
} from './quiet-hours';

/** An opt-out may be confirmed by one text within 5 minutes (compliance.md), not later. */
export const OPT_OUT_CONFIRMATION_WINDOW_MS = 5 * 60_000;

export type SendHold =
  | { readonly kind: 'go' }
  | { readonly kind: 'stop'; readonly reason: string }
  | { readonly kind: 'defer'; readonly until: Date; readonly reason: string };

export interface SendHoldInput {
  readonly purpose: SmsPurpose;
  readonly to: string;
  /** When the reply was asked for (the opt-out confirmation window counts from it). */
  readonly requestedAt: Date | null;
  readonly location: {
    readonly timezone: string;
    readonly quietHours?: { readonly start: string; readonly end: string } | undefined;
    readonly quietHoursApplyToTextback?: boolean | undefined;
  };
  /** When texts to this number were accepted in the last 24 hours (for the frequency caps). */
  readonly acceptedInLastDay: readonly Date[];
  readonly now: Date;
}

/** Whether the send's purpose is held to quiet hours (follow-ups always; text-backs if the tenant says). */
export function quietHoursApply(purpose: SmsPurpose, location: SendHoldInput['location']): boolean {
  return (
    purpose === 'follow-up' ||
    (purpose === 'textback' && location.quietHoursApplyToTextback === true)
  );
}

/**
 * Whether a send may go now, must wait (quiet hours, a frequency cap: deferred, never dropped) or
 * must not go at all (an opt-out confirmation past its window). Consent is asked afterwards, at
 * the last moment before the carrier call. Pure: the caller passes the time and the history.
 */
export function decideSendHold(input: SendHoldInput): SendHold {
  const { purpose, location, now } = input;
  if (purpose === 'opt-out-confirmation') {
    const requested = input.requestedAt?.getTime() ?? 0;
    return now.getTime() - requested > OPT_OUT_CONFIRMATION_WINDOW_MS
      ? { kind: 'stop', reason: 'opt-out confirmation window (5 minutes) passed' }
      : { kind: 'go' };
  }
  if (!quietHoursApply(purpose, location)) return { kind: 'go' };
  const recipient = recipientOf(input.to, location.timezone);
  const tenantRule: QuietHoursRule | undefined = location.quietHours
    ? { name: 'tenant', ...location.quietHours }
    : undefined;
  const rule = applicableRule(recipient, tenantRule);
  const next = nextAllowedTime(now, recipient, rule);
  if (next.getTime() > now.getTime()) return { kind: 'defer', until: next, reason: 'quiet hours' };
  const capped = frequencyCapDeferral(input.acceptedInLastDay, rule, now);
  if (capped)
    return {
      kind: 'defer',
      until: nextAllowedTime(capped, recipient, rule),
      reason: `frequency cap (${rule.maxPer24h ?? 0} per 24 hours)`,
    };
  return { kind: 'go' };
}
