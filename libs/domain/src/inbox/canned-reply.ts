import type { LocationProfile } from '@textback/contracts';

/** What a canned reply may say by name: `{{customerName}}`, `{{agentName}}`, the business's own. */
export const cannedReplyVariables = [
  'customerName',
  'agentName',
  'business',
  'location',
  'bookingUrl',
  'phone',
] as const;
export type CannedReplyVariable = (typeof cannedReplyVariables)[number];

const variable = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;

/** The variables a canned reply names that are not known (a typo would reach the customer). */
export function unknownCannedVariables(body: string): string[] {
  const known: readonly string[] = cannedReplyVariables;
  return [...body.matchAll(variable)].map((m) => m[1] ?? '').filter((v) => !known.includes(v));
}

/**
 * A canned reply as this thread's customer will read it, for the person about to send it: the
 * variables filled, and an unknown value (a customer whose name nobody has noted) left out without
 * leaving a stray space before punctuation ("Hi {{customerName}}," → "Hi,").
 */
export function renderCannedReply(
  body: string,
  context: {
    location: Pick<
      LocationProfile,
      'brandName' | 'locationName' | 'bookingUrl' | 'businessNumbers'
    >;
    customerName: string | null;
    agentName: string | null;
  },
): string {
  const { location } = context;
  const values: Record<CannedReplyVariable, string> = {
    customerName: context.customerName ?? '',
    // The first name is what a customer expects from a person texting them.
    agentName: context.agentName?.trim().split(/\s+/)[0] ?? '',
    business: location.brandName,
    location: location.locationName,
    bookingUrl: location.bookingUrl ?? '',
    phone: location.businessNumbers[0] ?? '',
  };
  return body
    .replace(variable, (_m, name: string) => values[name as CannedReplyVariable] ?? '')
    .replace(/[ \t]+([.,!?;:])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
