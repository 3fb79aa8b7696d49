/**
 * Business numbers for partner sandboxes: NANP's fictional 555-01XX lines (never a real
 * subscriber) in area codes the seeded franchises do not use — 100 per area code.
 */
const areaCodes = [
  '201',
  '202',
  '203',
  '205',
  '206',
  '207',
  '208',
  '209',
  '210',
  '212',
  '213',
  '214',
  '215',
  '216',
  '217',
  '218',
  '219',
  '224',
  '225',
  '228',
  '229',
  '231',
  '234',
  '239',
  '240',
  '248',
  '251',
  '252',
  '253',
  '254',
  '256',
  '260',
  '262',
  '267',
  '269',
  '270',
  '281',
  '301',
  '302',
  '304',
] as const;

export const sandboxNumberCount = areaCodes.length * 100;

/** The `n`th sandbox number (0 ≤ n < sandboxNumberCount), E.164. */
export function sandboxNumber(n: number): string {
  const i = ((Math.trunc(n) % sandboxNumberCount) + sandboxNumberCount) % sandboxNumberCount;
  return `+1${areaCodes[Math.floor(i / 100)] ?? ''}55501${String(i % 100).padStart(2, '0')}`;
}

/** Where a sandbox location's calls would ring (a fictional line too). */
export const sandboxForwardTo = '+13125550199';
