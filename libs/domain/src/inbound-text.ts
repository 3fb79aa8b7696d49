/**
 * An inbound text made safe to store and publish without losing it: PostgreSQL's text and jsonb
 * refuse NUL and lone surrogates, and a cut between a surrogate pair makes one. Control
 * characters other than tab and line breaks become U+FFFD (visible, so nothing is silently
 * dropped); a text longer than the event's limit is cut at a code point boundary and marked.
 */
export interface SafeInboundText {
  readonly text: string;
  readonly truncated: boolean;
  readonly replacedCharacters: number;
}

// C0 controls except \t \n \r, DEL and C1 controls: matching them is the point here.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

export function safeInboundText(raw: string, maxUtf16Units: number): SafeInboundText {
  let replacedCharacters = 0;
  const wellFormed = raw.toWellFormed();
  for (let i = 0; i < raw.length; i++) if (raw[i] !== wellFormed[i]) replacedCharacters++;
  const text = wellFormed.replace(CONTROL, () => {
    replacedCharacters++;
    return '\uFFFD';
  });
  if (text.length <= maxUtf16Units) return { text, truncated: false, replacedCharacters };
  let cut = maxUtf16Units;
  // Never between the two halves of a surrogate pair (an emoji at the cut).
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return { text: text.slice(0, cut), truncated: true, replacedCharacters };
}
