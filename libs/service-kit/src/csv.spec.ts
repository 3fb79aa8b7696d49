import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { csvSafe, neutraliseFormula } from './csv';

describe('CSV cells', () => {
  it.each(["=cmd|' /C calc'!A0", '+SUM(A1)', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])(
    'neutralises a free-text cell starting a formula: %j',
    (cell) => {
      expect(neutraliseFormula(cell)).toBe(`'${cell}`);
    },
  );

  it('writes typed cells as they are and free text made safe, and both round-trip through a CSV', () => {
    const row = csvSafe(
      {
        phoneNumber: '+14045550100',
        delta: -5,
        actor: "=cmd|' /C calc'!A0",
        reason: 'asked by phone',
      },
      ['actor', 'reason'],
    );
    const [back] = parse(stringify([row], { header: true }), { columns: true }) as Record<
      string,
      string
    >[];
    expect(back).toEqual({
      phoneNumber: '+14045550100',
      delta: '-5',
      actor: "'=cmd|' /C calc'!A0",
      reason: 'asked by phone',
    });
  });
});
