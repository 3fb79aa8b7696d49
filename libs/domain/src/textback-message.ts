import { SegmentedMessage } from 'sms-segments-calculator';
import type { LocationProfile } from '@textback/contracts';

export const STOP_FOOTER = 'Reply STOP to opt out.';

export interface RenderedText {
  readonly body: string;
  readonly segments: number;
  readonly encoding: 'GSM-7' | 'UCS-2';
}

/**
 * The first text to a caller: the location's template with its variables filled, and the opt-out
 * instruction unless the template already says it (compliance.md, "First message content").
 * Segments are counted as carriers bill them (GSM-7 153/160, UCS-2 67/70).
 */
export function renderTextback(location: LocationProfile): RenderedText {
  const values: Record<string, string> = {
    business: location.brandName,
    location: location.locationName,
    bookingUrl: location.bookingUrl ?? '',
    phone: location.businessNumbers[0] ?? '',
  };
  let body = location.template.replace(
    /\{\{\s*([a-zA-Z]+)\s*\}\}/g,
    (_m, name: string) => values[name] ?? '',
  );
  body = body
    .replace(/[ \t]+([.,!?])/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  if (!/\bSTOP\b/.test(body)) body = `${body} ${STOP_FOOTER}`;
  return { body, ...countSegments(body) };
}

export function countSegments(text: string): { segments: number; encoding: 'GSM-7' | 'UCS-2' } {
  const m = new SegmentedMessage(text);
  return { segments: m.segmentsCount, encoding: m.encodingName === 'GSM-7' ? 'GSM-7' : 'UCS-2' };
}
