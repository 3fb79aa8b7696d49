/**
 * CSV injection: a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a
 * formula (`=cmd|' /C calc'!A0`). Every CSV the platform writes passes its free-text cells (names,
 * actors, reasons, message texts, labels) through this; typed cells (E.164 numbers, numbers,
 * dates) are written as they are, so `+14045550100` and `-5` round-trip unchanged.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** A row with the named free-text columns neutralised. */
export function csvSafe<R extends Record<string, unknown>>(
  row: R,
  freeText: readonly (keyof R)[],
): R {
  const out: Record<string, unknown> = { ...row };
  for (const k of freeText) {
    const v = out[k as string];
    if (typeof v === 'string') out[k as string] = neutraliseFormula(v);
  }
  return out as R;
}
