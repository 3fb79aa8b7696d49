import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '..', '..');

interface LintResult {
  messages: { ruleId: string | null; message: string; line: number }[];
}

/** Runs the project's real ESLint config over a fixture and returns the boundary rule's findings. */
async function boundaryFindings(fixture: string): Promise<string[]> {
  const eslintBin = resolve(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const run = await promisify(execFile)(
    process.execPath,
    [eslintBin, '--format', 'json', fixture],
    { cwd: root },
  ).catch(
    (err: { stdout: string }) => ({ stdout: err.stdout }), // exit 1 when it finds errors
  );
  const [result] = JSON.parse(run.stdout) as LintResult[];
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
    .map((m) => `${m.line}: ${m.message}`);
}

describe('module boundaries (lint fixtures)', () => {
  it('fails a contract that imports @nestjs/common, kafkajs or typeorm', async () => {
    const findings = await boundaryFindings(
      'libs/contracts/lint-fixtures/banned-imports.fixture.ts',
    );
    expect(findings).toHaveLength(3);
    expect(findings.join('\n')).toMatch(/@nestjs\/common/);
    expect(findings.join('\n')).toMatch(/kafkajs/);
    expect(findings.join('\n')).toMatch(/typeorm/);
  });

  it('fails production code that imports the testing lib', async () => {
    const findings = await boundaryFindings(
      'apps/decision/lint-fixtures/imports-testing.fixture.ts',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(
      /"type:app" can only depend on libs tagged with "type:contracts", "type:domain", "type:infra"/,
    );
  });

  it('fails a service that imports another service (scope rule)', async () => {
    const findings = await boundaryFindings(
      'apps/decision/lint-fixtures/imports-another-app.fixture.ts',
    );
    // Nx refuses an import of an application outright; the scope rule backs it for anything tagged scope:<another service>.
    expect(findings).toEqual([
      expect.stringMatching(
        /Imports of apps are forbidden|"scope:decision" can only depend on libs tagged with "scope:shared", "scope:decision"/,
      ),
    ]);
  });
});
