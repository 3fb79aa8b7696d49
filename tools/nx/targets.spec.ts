import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '..', '..');

/**
 * Per-project Nx targets (`test`, `integration-test`, `lint`, cached): a pure project's unit tests
 * run alone, fast, with no Kafka or PostgreSQL (#12 item 3).
 */
describe('nx targets', () => {
  it('`npx nx test domain` runs the domain unit specs without provisioning any infrastructure', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_SKIP_NX_CACHE: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    };
    delete env['KAFKA_BROKERS'];
    delete env['DATABASE_URL'];
    const { stdout } = await promisify(execFile)(
      'npx',
      ['nx', 'test', 'domain', '--output-style=stream'],
      { cwd: root, env, timeout: 120_000 },
    );
    // eslint-disable-next-line no-control-regex -- colours off, and stripped in case a tool ignores that
    const out = stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(out).toMatch(/Successfully ran target test for project domain/);
    expect(out).toMatch(/Tests: +\d+ passed/);
    expect(out).not.toContain('[test infrastructure]');
  }, 120_000);
});
