import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../../../..');
const protos = 'libs/contracts/proto';
const baseline = `${protos}/partner-v1.baseline.binpb`;
const buf = (...args: string[]) =>
  execFileSync(join(root, 'node_modules/.bin/buf'), args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
/** What `buf` said when it refused (its exit code is not 0). */
const refusal = (...args: string[]): string => {
  try {
    buf(...args);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  throw new Error(`buf ${args.join(' ')} passed`);
};
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });

/**
 * The partner API's definition (#19): linted in Google's style (buf's STANDARD rules), never
 * broken against the released baseline, and the committed code is what it generates.
 */
describe('textback.partner.v1, the proto', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'partner-proto-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes buf lint', () => {
    expect(buf('lint', protos)).toBe('');
  });

  it('passes buf breaking against the committed baseline, and the check bites', () => {
    expect(buf('breaking', protos, '--against', baseline)).toBe('');
    const changed = join(scratch, 'changed');
    cpSync(join(root, protos), changed, { recursive: true });
    const threads = join(changed, 'textback/partner/v1/threads.proto');
    writeFileSync(
      threads,
      readFileSync(threads, 'utf8').replace(
        'string customer_name = 4',
        'string customer_name = 40',
      ),
    );
    expect(refusal('breaking', changed, '--against', baseline)).toMatch(/customer_name/);
  });

  it('has its generated code committed as protoc-gen-es makes it', () => {
    const out = join(scratch, 'generated');
    buf('generate', protos, '--template', `${protos}/buf.gen.yaml`, '--output', out);
    const fresh = join(out, 'libs/contracts/src/partner/gen');
    const committed = join(root, 'libs/contracts/src/partner/gen');
    const list = (dir: string) =>
      files(dir)
        .map((f) => relative(dir, f))
        .sort();
    expect(list(committed)).toEqual(list(fresh));
    for (const f of list(fresh))
      expect(readFileSync(join(committed, f), 'utf8')).toBe(readFileSync(join(fresh, f), 'utf8'));
  });
});
