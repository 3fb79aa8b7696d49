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
    };
    delete env['KAFKA_BROKERS'];
    delete env['DATABASE_URL'];
    const { stdout } = await promisify(execFile)(
      'npx',
      ['nx', 'test', 'domain', '--output-style=stream'],
      { cwd: root, env, timeout: 120_000 },
    );
    expect(stdout).toMatch(/Successfully ran target test for project domain/);
    expect(stdout).not.toContain('[test infrastructure]');
  }, 120_000);
});
