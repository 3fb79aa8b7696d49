import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '..', '..');

interface LintResult {
  messages: { ruleId: string | null; message: string; line: number }[];
}

/** Runs the project's real ESLint config over a fixture: `line rule` for each finding. */
async function findings(fixture: string): Promise<string[]> {
  const eslintBin = resolve(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const run = await promisify(execFile)(
    process.execPath,
    [eslintBin, '--no-ignore', '--format', 'json', fixture],
    { cwd: root },
  ).catch((err: { stdout: string }) => ({ stdout: err.stdout })); // exit 1 when it finds errors
  const [result] = JSON.parse(run.stdout) as LintResult[];
  return (result?.messages ?? []).map((m) => `${m.line} ${m.ruleId ?? m.message}`);
}

describe('data-layer lint rules (fixtures)', () => {
  it('fails SQL outside a repository, systemScope outside its allow-list, `as never`, and unsafe `any`', async () => {
    const found = await findings('apps/decision/lint-fixtures/sql-outside-repository.fixture.ts');
    expect(found).toEqual(
      expect.arrayContaining([
        '2 no-restricted-imports',
        '7 no-restricted-syntax', // ds.query(
        '8 no-restricted-syntax', // db.select(
        '10 no-restricted-syntax', // as never
        '14 @typescript-eslint/no-unsafe-assignment',
        '15 @typescript-eslint/no-unsafe-member-access',
      ]),
    );
  }, 60_000);

  it('passes SQL in a *.repository.ts, where `as never` is still refused', async () => {
    const found = await findings('apps/decision/lint-fixtures/sample.repository.ts');
    expect(found).toEqual(['9 no-restricted-syntax']);
  }, 60_000);
});
