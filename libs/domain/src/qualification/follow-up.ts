/** What a lead still lacks, in the order we ask for it. */
export interface LeadGaps {
  readonly serviceType: string | null;
  readonly zip: string | null;
  readonly requestedTime: Date | null;
  readonly urgent: boolean;
}

/** The questions, as data: one per missing fact (an urgent lead needs no ZIP before someone calls). */
export const followUpQuestions = {
  serviceType: 'What do you need help with?',
  zip: "What's the ZIP code where you need us?",
  requestedTime: 'When would you like us to come out?',
} as const;

/** Asked at most this many times per conversation unless the location says otherwise. */
export const DEFAULT_MAX_FOLLOW_UP_QUESTIONS = 2;

/**
 * The next automatic question for a lead, or undefined when none is due: the location's limit is
 * reached, or the lead has what a person needs to book it.
 */
export function nextFollowUpQuestion(
  lead: LeadGaps,
  asked: number,
  maxQuestions: number = DEFAULT_MAX_FOLLOW_UP_QUESTIONS,
): string | undefined {
  if (asked >= maxQuestions) return undefined;
  if (lead.serviceType === null) return followUpQuestions.serviceType;
  if (lead.zip === null && !lead.urgent) return followUpQuestions.zip;
  if (lead.requestedTime === null) return followUpQuestions.requestedTime;
  return undefined;
}

/** Qualified: we know what is needed and where or when (or that it is urgent). */
export function isQualified(lead: LeadGaps): boolean {
  return (
    lead.serviceType !== null && (lead.zip !== null || lead.requestedTime !== null || lead.urgent)
  );
}
