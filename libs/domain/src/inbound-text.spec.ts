import { safeInboundText } from './inbound-text';

describe('safeInboundText', () => {
  it('cuts at a code point, never inside an emoji', () => {
    const raw = `${'a'.repeat(1599)}😀 and more`;
    const safe = safeInboundText(raw, 1600);
    expect(safe).toMatchObject({ text: 'a'.repeat(1599), truncated: true, replacedCharacters: 0 });
    expect(safe.text.isWellFormed()).toBe(true);
    expect(Buffer.from(safe.text, 'utf8').toString('utf8')).toBe(safe.text);
  });

  it('keeps a text at the limit whole, emoji included', () => {
    const raw = `${'a'.repeat(1598)}😀`;
    expect(safeInboundText(raw, 1600)).toEqual({
      text: raw,
      truncated: false,
      replacedCharacters: 0,
    });
  });

  it('makes NUL, other control characters and lone surrogates visible replacement characters', () => {
    expect(safeInboundText('a\u0000b\u0007c\ud800d', 1600)).toEqual({
      text: 'a\uFFFDb\uFFFDc\uFFFDd',
      truncated: false,
      replacedCharacters: 3,
    });
  });

  it('keeps tabs and line breaks', () => {
    expect(safeInboundText('line 1\r\nline\t2', 1600).text).toBe('line 1\r\nline\t2');
  });
});
