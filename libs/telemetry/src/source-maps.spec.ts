import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { servicePreloads } from './service-preloads';

const root = resolve(__dirname, '../../..');

/**
 * A service starts as `node --require source-maps.preload.cjs --require @swc-node/register
 * --require otel.preload.ts main.ts` (tools/run.sh, the process runner, the image): Node's own
 * source maps for our code, none for node_modules. A log's error must name the TypeScript line
 * it was thrown on (not twice mapped, as when Node's maps are turned on after swc-node's).
 */
describe("stack traces name our TypeScript's lines", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'textback-source-maps-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the TypeScript line an error was thrown on, as a service starts', async () => {
    const file = join(dir, 'thrower.ts');
    writeFileSync(
      file,
      [
        'interface Shape {',
        '  readonly sides: number;',
        '}',
        'const square: Shape = { sides: 4 };',
        '',
        'function fail(shape: Shape): never {',
        '  throw new Error(`a shape with ${shape.sides} sides`);', // line 7
        '}',
        '',
        'try {',
        '  fail(square);',
        '} catch (err) {',
        '  const m = require("node:module") as { getSourceMapsSupport(): unknown };',
        '  console.log(JSON.stringify({ stack: (err as Error).stack, maps: m.getSourceMapsSupport() }));',
        '}',
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...servicePreloads(root), file],
      {
        cwd: root,
        env: {
          ...process.env,
          SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
          OTEL_SDK_DISABLED: 'true',
          NODE_OPTIONS: '',
        },
      },
    );
    const { stack, maps } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      stack: string;
      maps: unknown;
    };
    // Node's maps, not node_modules': no map of theirs loaded and kept.
    expect(maps).toEqual({ enabled: true, nodeModules: false, generatedCode: false });
    expect(stack).toContain(`at fail (${file}:7:9)`);
    expect(stack).toContain(`(${file}:11:3)`);
  });
});
