import { toE164 } from '@textback/contracts';
import { sandboxForwardTo, sandboxNumber, sandboxNumberCount } from './sandbox-numbers';

describe('sandbox numbers', () => {
  it('are valid, distinct E.164 numbers on fictional 555-01XX lines', () => {
    const all = Array.from({ length: sandboxNumberCount }, (_, i) => sandboxNumber(i));
    expect(new Set(all).size).toBe(sandboxNumberCount);
    for (const n of [...all, sandboxForwardTo]) {
      expect(toE164(n)).toBe(n);
      expect(n).toMatch(/^\+1\d{3}55501\d{2}$|^\+1\d{3}5550199$/);
    }
  });

  it('wrap around', () => {
    expect(sandboxNumber(sandboxNumberCount + 3)).toBe(sandboxNumber(3));
    expect(sandboxNumber(-1)).toBe(sandboxNumber(sandboxNumberCount - 1));
  });
});
