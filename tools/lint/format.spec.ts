import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '..', '..');

/** Runs the project's Prettier, as `npm run lint` does, on one file; true when it is formatted. */
async function formatted(file: string): Promise<boolean> {
  const bin = resolve(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  // The fixture sits in an ignored folder (it is wrong on purpose): check it by name, ignoring nothing.
  return promisify(execFile)(
    process.execPath,
    [bin, '--check', '--ignore-path', '/dev/null', file],
    { cwd: root },
  ).then(
    () => true,
    () => false,
  );
}

/** `npm run lint` (and `npm test`) run `prettier --check .`; these prove the check bites. */
describe('formatting (Prettier, part of lint)', () => {
  it('fails an unformatted file (fixture)', async () => {
    expect(await formatted('tools/lint/lint-fixtures/unformatted.fixture.ts')).toBe(false);
  });

  it('passes a file of the tree', async () => {
    expect(await formatted('tools/lint/format.spec.ts')).toBe(true);
  });
});
