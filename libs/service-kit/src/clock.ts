/**
 * The time as the service sees it. Every rule that reads the time (business and quiet hours,
 * windows, caps, due times) asks the runtime's clock, so a test can pin it (a follow-up at 22:00
 * local) instead of searching for a zone where it happens to be daytime.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
