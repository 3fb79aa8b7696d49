import type { BusinessHours } from '@textback/contracts';
import { isOpenAt } from '../business-hours';

export const alertChannels = ['sms', 'push', 'email'] as const;
export type AlertChannel = (typeof alertChannels)[number];

/**
 * Who is told, tier by tier, while a customer waits for a person: the thread's assignee (else the
 * location's operators), then the location's managers, then the brand's on-call (its brand admins).
 */
export const escalationTiers = ['team', 'location-manager', 'brand-on-call'] as const;
export const lastTier = escalationTiers.length - 1;

export interface AlertMember {
  readonly userId: string;
  readonly role: string;
  /** null: every location of the brand. */
  readonly locationIds: readonly string[] | null;
  readonly email: string | null;
  readonly textPhone: string | null;
  readonly pushSubscriptions: number;
  /** Their choice; absent: every channel they can be reached on, always. */
  readonly setting?:
    | {
        readonly channels: readonly AlertChannel[];
        readonly timezone: string;
        /** When they are on shift; null: always. */
        readonly shifts: BusinessHours | null;
      }
    | undefined;
}

export interface AlertTarget {
  readonly userId: string;
  readonly channel: AlertChannel;
}

const worksAt = (m: AlertMember, locationId: string) =>
  m.locationIds?.includes(locationId) === true;

/** The people of one tier for a thread (tier 0 is its assignee when it has one). */
export function tierMembers(
  tier: number,
  team: readonly AlertMember[],
  thread: { locationId: string; assignedTo: string | null },
): AlertMember[] {
  if (tier === 0) {
    const assignee = team.find((m) => m.userId === thread.assignedTo);
    if (assignee) return [assignee];
    const operators = team.filter((m) => worksAt(m, thread.locationId) && m.role === 'operator');
    // A location without operators: its managers answer first.
    return operators.length > 0 ? operators : tierMembers(1, team, thread);
  }
  if (tier === 1)
    return team.filter((m) => worksAt(m, thread.locationId) && m.role === 'location-manager');
  return team.filter((m) => m.role === 'brand-admin' && m.locationIds === null);
}

/** Whether someone is on shift now (no schedule: always). */
export function onShift(m: AlertMember, now: Date): boolean {
  const s = m.setting;
  return !s?.shifts || isOpenAt(s.shifts, s.timezone, now);
}

/**
 * Each person's channels for this alert: the ones they chose that can reach them (a phone they
 * agreed to texts on, an e-mail, a browser subscribed to push). Off shift, only an urgent thread
 * reaches them.
 */
export function alertTargets(
  members: readonly AlertMember[],
  urgent: boolean,
  now: Date,
): AlertTarget[] {
  return members.flatMap((m) => {
    if (!urgent && !onShift(m, now)) return [];
    const chosen = m.setting?.channels ?? alertChannels;
    const reachable: Record<AlertChannel, boolean> = {
      sms: m.textPhone !== null,
      push: m.pushSubscriptions > 0,
      email: m.email !== null,
    };
    return chosen.filter((c) => reachable[c]).map((channel) => ({ userId: m.userId, channel }));
  });
}

/**
 * The next tier that reaches somebody, after `tier` (undefined: nobody is left to tell). A tier
 * with nobody in it (a location without a manager) is passed over, never waited out.
 */
export function nextTier(
  tier: number,
  team: readonly AlertMember[],
  thread: { locationId: string; assignedTo: string | null },
): number | undefined {
  for (let next = tier + 1; next <= lastTier; next++)
    if (tierMembers(next, team, thread).length > 0) return next;
  return undefined;
}

/** The text of an alert: who waits, where, and the start of what they wrote (no more). */
export function alertText(a: {
  urgent: boolean;
  tier: number;
  locationName: string;
  customer: string;
  message: string;
  waitedMinutes: number;
}): { title: string; body: string } {
  const excerpt = a.message.length > 80 ? `${a.message.slice(0, 79)}…` : a.message;
  const title = `${a.urgent ? 'URGENT: ' : ''}${a.customer} texted ${a.locationName}`;
  const waited = a.tier > 0 ? ` No reply for ${a.waitedMinutes} min.` : '';
  return { title, body: `"${excerpt}"${waited} Reply in the inbox.` };
}
