import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runAdmin } from '@textback/gateway';
import { eventually } from '@textback/testing';
import { startTestPlatform, type TestPlatform } from './test-platform';

const root = resolve(__dirname, '../../..');

/**
 * `npm run admin -- …` (#15 item 6): every command once, against the running platform's gateway
 * schema; what it makes works through the API (a user's refresh token, a key, a client grant),
 * and a location it creates reaches the services through the running gateway's outbox.
 */
describe('the admin CLI', () => {
  let t: TestPlatform;
  let env: Record<string, string | undefined>;
  const dir = mkdtempSync(join(tmpdir(), 'textback-admin-'));

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'admincli',
      without: ['call-ingest', 'decision', 'sms-dispatch'],
    });
    env = {
      DATABASE_URL: process.env['DATABASE_URL'],
      DATABASE_SCHEMA: `${t.prefix}_gateway`,
      LOG_LEVEL: 'warn',
    };
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  /** One command in-process (as the entry point runs it), its JSON output parsed. */
  const admin = async <T = Record<string, unknown>>(...argv: string[]): Promise<T> => {
    let out = '';
    const code = await runAdmin([...argv, '--json'], env, (s) => (out += s));
    if (code !== 0) throw new Error(`admin ${argv[0]} exited ${code}: ${out}`);
    return JSON.parse(out) as T;
  };
  const token = (form: Record<string, string>, authorization?: string) =>
    t.requestToken(form, authorization);

  it('creates a tenant, a location, a group, users, keys and clients, and lists them', async () => {
    const tenantFile = join(dir, 'tenant.json');
    writeFileSync(
      tenantFile,
      JSON.stringify({
        tenantId: 'sunny-plumbing',
        brandName: 'Sunny Plumbing',
        vertical: 'plumbing',
        campaignId: 'CMPSUNNY0001',
        brandDailyCap: 500,
      }),
    );
    expect(await admin('create-tenant', '--file', tenantFile)).toMatchObject({
      tenantId: 'sunny-plumbing',
      created: true,
    });
    const locationFile = join(dir, 'location.json');
    writeFileSync(
      locationFile,
      JSON.stringify({
        tenantId: 'sunny-plumbing',
        locationId: 'tampa',
        name: 'Tampa',
        businessNumbers: ['+18135550100'],
        forwardTo: '+18135550190',
        timezone: 'America/New_York',
      }),
    );
    expect(await admin('create-location', '--file', locationFile)).toMatchObject({
      locationId: 'tampa',
      created: true,
    });
    // The running gateway's relay publishes what the CLI recorded: the services learn Tampa.
    await eventually(
      async () => {
        const { rows } = await t.db.query(
          `SELECT 1 FROM ${t.schema('conversation')}.location_directory WHERE location_id = 'tampa'`,
        );
        return rows.length > 0 || undefined;
      },
      { what: 'conversation to learn the location the CLI created' },
    );

    expect(
      await admin(
        'create-group',
        '--tenant',
        'sunny-plumbing',
        '--id',
        'gulf',
        '--name',
        'Gulf coast',
        '--locations',
        'tampa',
      ),
    ).toMatchObject({ groupId: 'gulf', locationIds: ['tampa'] });

    const root = await admin('create-admin', '--email', 'root@sunny.example', '--name', 'Root');
    expect(root['refreshToken']).toMatch(/^txr_/);
    const manager = await admin(
      'create-user',
      '--tenant',
      'sunny-plumbing',
      '--email',
      'lm@sunny.example',
      '--name',
      'Lou',
      '--role',
      'location-manager',
      '--group',
      'gulf',
    );
    const managerToken = await token({
      grant_type: 'refresh_token',
      refresh_token: manager['refreshToken'] as string,
    });
    expect(managerToken.status).toBe(200);
    const invited = await admin(
      'invite-user',
      '--tenant',
      'sunny-plumbing',
      '--email',
      'op@sunny.example',
      '--name',
      'Opal',
      '--role',
      'operator',
      '--locations',
      'tampa',
    );
    expect(invited['invitation']).toMatch(/^txi_/);
    const reset = await admin(
      'reset-password',
      '--tenant',
      'sunny-plumbing',
      '--user',
      manager['userId'] as string,
    );
    expect(reset['reset']).toMatch(/^txp_/);

    const key = await admin(
      'issue-key',
      '--tenant',
      'sunny-plumbing',
      '--name',
      'wallboard',
      '--permissions',
      'inbox:read,reports:read',
    );
    expect((await token({}, `Bearer ${key['key'] as string}`)).status).toBe(200);
    expect(
      await admin('revoke-key', '--tenant', 'sunny-plumbing', '--key', key['keyId'] as string),
    ).toEqual({ revoked: key['keyId'] });
    expect((await token({}, `Bearer ${key['key'] as string}`)).status).toBe(401);

    const client = await admin('create-client', '--name', 'Acme CRM', '--scopes', 'threads:read');
    // Every client has a sandbox brand of its own, granted to it (#19).
    expect(client['sandbox']).toMatchObject({ tenantId: expect.stringMatching(/^sandbox-/) });
    const basic = `Basic ${Buffer.from(`${client['clientId'] as string}:${client['clientSecret'] as string}`).toString('base64')}`;
    await admin(
      'grant-client',
      '--tenant',
      'sunny-plumbing',
      '--client',
      client['clientId'] as string,
      '--scopes',
      'threads:read',
    );
    const forSunny = { grant_type: 'client_credentials', tenant_id: 'sunny-plumbing' };
    expect((await token(forSunny, basic)).status).toBe(200);
    await admin(
      'revoke-grant',
      '--tenant',
      'sunny-plumbing',
      '--client',
      client['clientId'] as string,
    );
    expect((await token(forSunny, basic)).status).toBe(403);

    const ids = <T extends Record<string, unknown>>(rows: T[], key: keyof T) =>
      rows.map((r) => r[key]);
    expect(ids(await admin<{ tenantId: string }[]>('list', 'tenants'), 'tenantId')).toContain(
      'sunny-plumbing',
    );
    expect(
      ids(
        await admin<{ locationId: string }[]>('list', 'locations', '--tenant', 'sunny-plumbing'),
        'locationId',
      ),
    ).toEqual(['tampa']);
    expect(
      ids(
        await admin<{ groupId: string }[]>('list', 'groups', '--tenant', 'sunny-plumbing'),
        'groupId',
      ),
    ).toEqual(['gulf']);
    expect(
      ids(await admin<{ email: string }[]>('list', 'users', '--tenant', 'sunny-plumbing'), 'email'),
    ).toEqual(['lm@sunny.example', 'op@sunny.example']);
    expect(ids(await admin<{ email: string }[]>('list', 'users'), 'email')).toEqual([
      'root@sunny.example',
    ]);
    expect(
      ids(await admin<{ keyId: string }[]>('list', 'keys', '--tenant', 'sunny-plumbing'), 'keyId'),
    ).toEqual([key['keyId']]);
    expect(ids(await admin<{ clientId: string }[]>('list', 'clients'), 'clientId')).toContain(
      client['clientId'],
    );
  });

  it('says what is wrong with a command, and runs as `npm run admin`', async () => {
    let out = '';
    const code = await runAdmin(
      [
        'create-user',
        '--tenant',
        'sunny-plumbing',
        '--email',
        'nope',
        '--name',
        'N',
        '--role',
        'operator',
      ],
      env,
      (s) => (out += s),
    );
    expect(code).toBe(1);
    expect(out).toContain('email: must be an email address');
    expect(await runAdmin(['no-such-command'], env, (s) => (out = s))).toBe(2);
    expect(out).toContain('usage: npm run admin');
    // Keys for the Secrets, made without a database.
    expect(
      await runAdmin(
        ['new-signing-key', '--id', 'k9', '--active-from', '2026-12-07T00:00:00Z'],
        {},
        (s) => (out = s),
      ),
    ).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      kid: 'k9',
      activeFrom: '2026-12-07T00:00:00.000Z',
    });
    expect(await runAdmin(['new-secrets-key', '--id', 's2'], {}, (s) => (out = s))).toBe(0);
    expect(Buffer.from((JSON.parse(out) as { key: string }).key, 'base64')).toHaveLength(32);

    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'admin', '--', 'list', 'tenants', '--json'],
      { cwd: root, env: { ...process.env, ...env } },
    );
    expect((JSON.parse(stdout) as { tenantId: string }[]).map((r) => r.tenantId)).toContain(
      'sunny-plumbing',
    );
  });
});
