import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { playCall } from '@textback/plivo-fake';
import { eventually, freePort } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from '../test-platform';

const root = resolve(__dirname, '..', '..', '..', '..');

/**
 * sms-dispatch is killed (SIGKILL) after the carrier accepted a text and before it recorded the
 * answer or the event was redelivered; after the restart, and a redelivery of the same request,
 * the caller has exactly one text.
 */
describe('sms-dispatch killed after the carrier accepted a text', () => {
  let t: TestPlatform;
  let child: ChildProcess | undefined;
  let port = 0;
  let output = '';

  async function startDispatch(): Promise<void> {
    output = '';
    child = spawn(
      process.execPath,
      ['--require', '@swc-node/register', join(root, 'apps/sms-dispatch/src/main.ts')],
      {
        cwd: root,
        env: {
          PATH: process.env['PATH'],
          SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
          ...Object.fromEntries(
            Object.entries(t.env).filter((e): e is [string, string] => e[1] !== undefined),
          ),
          EVENT_TRANSPORT: 'kafka',
          DATABASE_URL: process.env['DATABASE_URL'],
          DATABASE_SCHEMA: `${t.prefix}_sms_dispatch`,
          HTTP_PORT: String(port),
          COMPLIANCE_URL: t.url('compliance'),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true ||
        child?.exitCode !== null,
      {
        timeoutMs: 60_000,
        what: 'sms-dispatch to be ready',
      },
    );
    if (child.exitCode !== null) throw new Error(`sms-dispatch exited:\n${output}`);
  }

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'kafka',
      name: 'crash',
      without: ['sms-dispatch'],
      env: {
        // Long enough that the kill lands while the carrier call still hangs (a loaded machine is
        // slow to notice the acceptance); after the restart, sends older than twice this settle.
        PLIVO_TIMEOUT_MS: '6000',
        RECONCILE_AFTER_MS: '300',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
    });
    port = await freePort();
    await startDispatch();
    await eventually(
      async () => {
        const { rows } = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${t.schema('sms-dispatch')}.location_directory`,
        );
        return (rows[0]?.n ?? 0) >= 6;
      },
      { what: 'sms-dispatch to learn the locations', timeoutMs: 30_000 },
    );
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await t?.stop();
  });

  it('has exactly one text for the caller after the restart and a redelivery', async () => {
    const caller = '+14045558801';
    t.fake.injectFault({ kind: 'accepted-then-hang' });
    const played = await playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to: '+14045550100',
      scenario: 'missed',
    });
    // The carrier has queued the text; sms-dispatch is still waiting for the answer.
    await eventually(() => t.fake.sentTo(caller).length === 1, {
      what: 'the carrier to accept the text',
    });
    const exited = new Promise((r) => child?.once('exit', r));
    child?.kill('SIGKILL');
    await exited;
    const { rows: before } = await t.db.query(
      `SELECT state FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
      [played.callUuid],
    );
    expect(before).toEqual([{ state: 'sending' }]);

    // The same request delivered again, as if its offset had never been committed.
    await t.db.query(
      `UPDATE ${t.schema('decision')}.outbox_message SET published_at = NULL WHERE topic = 'textback.requested.v1' AND payload->>'callId' = $1`,
      [played.callUuid],
    );
    await startDispatch();
    const settled = await eventually(
      async () => {
        const { rows } = await t.db.query<{
          state: string;
          attempts: number;
          carrier_message_id: string;
        }>(
          `SELECT state, attempts, carrier_message_id FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
          [played.callUuid],
        );
        return rows[0]?.state === 'delivered' ? rows : undefined;
      },
      { what: 'the send to settle as delivered', timeoutMs: 30_000 },
    ).catch((e: unknown) => {
      process.stdout.write(output);
      throw e;
    });
    expect(settled).toEqual([
      { state: 'delivered', attempts: 1, carrier_message_id: t.fake.sentTo(caller)[0]!.uuid },
    ]);
    await eventually(
      async () => {
        const { rows } = await t.db.query(
          `SELECT published_at FROM ${t.schema('decision')}.outbox_message WHERE topic = 'textback.requested.v1' AND payload->>'callId' = $1`,
          [played.callUuid],
        );
        return (rows[0] as { published_at: Date | null } | undefined)?.published_at !== null;
      },
      { what: 'the redelivery to go out' },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(t.fake.sentTo(caller)).toHaveLength(1);
  });
});
