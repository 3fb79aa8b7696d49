import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

/** Every TypeScript file under apps/*\/src and libs/*\/src, as a path from the root. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push(relative(root, path));
    }
  };
  for (const group of ['apps', 'libs'])
    for (const project of readdirSync(join(root, group))) {
      const src = join(root, group, project, 'src');
      if (statSync(join(root, group, project)).isDirectory() && existsDir(src)) walk(src);
    }
  return out.sort();
}
function existsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const isTest = (f: string): boolean => /\.(spec|int-spec|medium-spec)\.ts$/.test(f);
/** Production code: not tests, not the test kit, not the Plivo fake, not generated code. */
const production = sources().filter(
  (f) =>
    !isTest(f) &&
    !f.startsWith('libs/testing/') &&
    !f.startsWith('libs/plivo-fake/') &&
    !f.startsWith('libs/contracts/src/partner/gen/'),
);
/** The code of a file without its comments (names in prose are fine). */
const code = (f: string): string =>
  readFileSync(join(root, f), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('the shape of the code (#14)', () => {
  it('reads Plivo webhook parameters only in libs/carrier-plivo', () => {
    const names =
      /\b(CallUUID|DialALegUUID|DialBLegUUID|DialStatus|DialHangupCause|DialAction|HangupCause|HangupSource|MessageUUID|MessageIntent|ErrorCode|Sequence|Duration)\b['"`]/;
    const offenders = production
      .filter((f) => !f.startsWith('libs/carrier-plivo/'))
      .filter((f) => names.test(code(f)));
    expect(offenders).toEqual([]);
  });

  it('schedules recurring work only through the periodic-task helper (no setInterval)', () => {
    expect(production.filter((f) => /\bsetInterval\s*\(/.test(code(f)))).toEqual([]);
  });

  it('reads the time in services only from the runtime clock', () => {
    const offenders = production
      .filter((f) => f.startsWith('apps/'))
      .filter((f) => /new Date\(\)|Date\.now\(\)/.test(code(f)));
    expect(offenders).toEqual([]);
  });

  /** Files allowed past the limit, each with the reason. */
  const longer: Record<string, string> = {};

  it('keeps production files at most 250 lines (migrations aside), but for the listed ones', () => {
    const over = production
      .filter((f) => !f.includes('/migrations/'))
      .map((f) => [f, readFileSync(join(root, f), 'utf8').split('\n').length - 1] as const)
      .filter(([f, lines]) => lines > 250 && !(f in longer))
      .map(([f, lines]) => `${f}: ${lines} lines`);
    expect(over).toEqual([]);
    // An exception that is no longer needed is taken off the list.
    for (const f of Object.keys(longer))
      expect(readFileSync(join(root, f), 'utf8').split('\n').length - 1).toBeGreaterThan(250);
  });
});
