import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { signCallEvent } from '@textback/call-ingest';
import { servicePreloads } from '@textback/telemetry';
import { eventually, freePort } from '@textback/testing';

const root = resolve(__dirname, '..', '..', '..');

/**
 * A base port whose services' ports (base … base+6) and the fake's (base+20) are all free, chosen
 * below the kernel's ephemeral range so suites listening on port 0 cannot take them meanwhile.
 */
async function freeBasePort(): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((done) => {
      const server = createServer();
      server.once('error', () => done(false));
      server.listen(port, '0.0.0.0', () => server.close(() => done(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 9_000);
    const ports = [0, 1, 2, 3, 4, 5, 6, 20].map((o) => base + o);
    if ((await Promise.all(ports.map(free))).every(Boolean)) return base;
  }
  throw new Error('no free port range for npm start');
}

/**
 * What `npm start` runs (tools/run.sh start), as a real child process: embedded PostgreSQL from
 * npm, the in-process transport, every service on its port. Startup time is printed, not asserted.
 */
describe('npm start (embedded mode)', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir = '';
  let basePort = 0;
  let pgPort = 0;

  /**
   * Starts `npm start` on free ports; once more on other ports if another test took one of them
   * between choosing and binding (the error then names the port).
   */
  beforeAll(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await startOnce();
        return;
      } catch (err) {
        if (attempt === 2) throw err;
        process.stdout.write(
          `npm start: first attempt failed, retrying on other ports: ${String(err)}\n`,
        );
      }
    }
  }, 240_000);

  async function startOnce(): Promise<void> {
    output = '';
    dataDir = mkdtempSync(join(tmpdir(), 'textback-start-'));
    basePort = await freeBasePort();
    pgPort = await freePort();
    const started = Date.now();
    child = spawn(
      process.execPath,
      [...servicePreloads(root), join(root, 'apps/platform/src/main.ts')],
      {
        cwd: root,
        env: {
          PATH: process.env['PATH'],
          HOME: process.env['HOME'],
          SWC_NODE_PROJECT: join(root, 'tsconfig.base.json'),
          TEXTBACK_DATA_DIR: dataDir,
          TEXTBACK_BASE_PORT: String(basePort),
          EMBEDDED_POSTGRES_PORT: String(pgPort),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await eventually(() => output.includes('Textback is running') || child.exitCode !== null, {
      timeoutMs: 90_000,
      what: 'the platform to start',
    });
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    process.stdout.write(
      `npm start: all services up in ${Date.now() - started} ms (embedded PostgreSQL initialised in ${dataDir})\n`,
    );
  }

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('listens on loopback only, and says so (#11 item 3)', () => {
    expect(output).toContain('Listening on this machine only:');
    // The kernel's table of listening TCP sockets: each service's port is bound to 127.0.0.1 (0100007F), not 0.0.0.0.
    const listening = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[3] === '0A')
      .map((f) => f[1] ?? '');
    for (let i = 0; i < 7; i++) {
      const port = (basePort + i).toString(16).toUpperCase().padStart(4, '0');
      expect(listening.filter((a) => a.endsWith(`:${port}`))).toEqual([`0100007F:${port}`]);
    }
  });

  it('brings every service to ready', async () => {
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`http://127.0.0.1:${basePort + i}/readyz`);
      expect(res.status).toBe(200);
    }
  });

  it('carries a message from one service to another inside the process', async () => {
    const secret = (
      JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
        CALL_EVENTS_SIGNING_SECRET: string;
      }
    ).CALL_EVENTS_SIGNING_SECRET;
    const body = JSON.stringify({
      callId: 'npm-start-1',
      tenantId: 'cool-breeze-hvac',
      locationId: 'atlanta-north',
      businessNumber: '+14045550100',
      callerNumber: '+14045550101',
      outcome: 'no-answer',
      endedAt: new Date().toISOString(),
    });
    const res = await fetch(`http://127.0.0.1:${basePort}/v1/call-events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-textback-signature': signCallEvent(secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    expect(res.status).toBe(202);
    const db = new Client({
      connectionString: `postgres://postgres:textback@127.0.0.1:${pgPort}/textback`,
    });
    await db.connect();
    try {
      const decision = await eventually(
        async () => {
          const { rows } = await db.query<{ outcome: string }>(
            `SELECT outcome FROM decision.textback_decision WHERE call_id = 'npm-start-1'`,
          );
          return rows[0];
        },
        { what: 'the decision' },
      );
      expect(decision.outcome).toBe('requested');
    } finally {
      await db.end();
    }
  });

  /** An access token of a seeded person (its refresh token from dev-secrets.json, exchanged). */
  async function tokenOf(
    which: (p: { role: string; tenantId: string | null }) => boolean,
  ): Promise<string> {
    const { people } = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
      people: { role: string; tenantId: string | null; refreshToken: string }[];
    };
    const person = people.find(which);
    if (!person) throw new Error('no such seeded person');
    const res = await fetch(`http://127.0.0.1:${basePort + 6}/v1/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: person.refreshToken,
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** `npm run simulate -- <scenario>` exactly as a person runs it, against this platform. */
  function simulate(...args: string[]): {
    scenario: string;
    caller: string;
    messages: { from: string; to: string; text: string; status: string }[];
    decision: { outcome: string; reason: string | null } | null;
    sms?: {
      text: string;
      acknowledged: boolean;
      carrierIntent: string | null;
      reply: { text: string; status: string } | null;
    };
  } {
    const out = execFileSync(
      'bash',
      [join(root, 'tools/run.sh'), 'simulate', ...args, '--data-dir', dataDir],
      { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ReturnType<typeof simulate>;
  }

  it('shows the text for a simulated missed call, and none for an answered one', () => {
    const missed = simulate('missed', '--from', '+14045550102');
    expect(missed.decision).toEqual({ outcome: 'requested', reason: null });
    expect(missed.messages).toEqual([
      expect.objectContaining({
        from: '+14045550100',
        to: '+14045550102',
        status: 'delivered',
        text: expect.stringContaining('Cool Breeze Heating & Air'),
      }),
    ]);
    process.stdout.write(
      `npm run simulate -- missed: the carrier had the text ${String((missed as { textAfterMs?: number }).textAfterMs)} ms after the call ended\n`,
    );
    const answered = simulate('answered', '--from', '+14045550103');
    expect(answered.decision).toEqual({ outcome: 'suppressed', reason: 'call-answered' });
    expect(answered.messages).toEqual([]);
  });

  it("simulate sms --wait prints the text, its acknowledgement and the platform's reply (#11 item 20)", () => {
    const out = simulate('sms', '--from', '+14045550104', '--text', 'HELP', '--wait');
    expect(out.sms).toEqual({
      text: 'HELP',
      acknowledged: true,
      carrierIntent: 'help',
      reply: { text: expect.stringContaining('Msg frequency varies'), status: 'delivered' },
    });
    expect(() => simulate('sms', '--from', 'notaphone')).toThrow(
      /--from: "notaphone" is not a valid phone number/,
    );
  });

  it('runs every curl example in the README against it (#11 item 20)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('<!-- curl-examples:start -->'),
      readme.indexOf('<!-- curl-examples:end -->'),
    );
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    const script = [
      'set -euxo pipefail',
      ...blocks.map((b, i) => `echo "=== block ${i + 1}" >&2\n${b}`),
    ].join('\n');
    const run = spawnSync('bash', ['-c', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, TEXTBACK_DATA_DIR: dataDir },
    });
    // On failure: which block, and what curl said.
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr.slice(-2000) }).toEqual(
      { status: 0, stderr: '' },
    );
    const out = run.stdout;
    // Every API answered, and with what the examples are about.
    for (const expected of [
      '"brandName":"Corner Plumbing"',
      '"locationId":"decatur"',
      '"accepted":true',
      '"nextPageToken"',
      '"duplicate":false',
      '/v1/partner/tenants/{tenant}/calls',
      '"outcome":"requested"',
      'seq,phoneNumber,state,source',
      '"replyRequested":true',
      '"medianSeconds"',
      '"roi"',
      'callId,day,endedAt',
      '"projection"',
    ]) {
      expect(out).toContain(expected);
    }
  });

  it('serves the inbox and analyst pages, and reports the simulated calls', async () => {
    const conversation = `http://127.0.0.1:${basePort + 3}`;
    const reporting = `http://127.0.0.1:${basePort + 5}`;
    for (const page of [`${conversation}/inbox`, `${reporting}/reports`]) {
      const res = await fetch(page);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
    const analyst = await tokenOf((p) => p.role === 'analyst' && p.tenantId === 'cool-breeze-hvac');
    const day = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const calls = await eventually(
      async () => {
        const res = await fetch(
          `${reporting}/v1/reports/calls?tenantId=cool-breeze-hvac&from=${from}&to=${day}`,
          { headers: { authorization: `Bearer ${analyst}` } },
        );
        const body = (await res.json()) as {
          items: { textback: string; whyNot: string | null; threadUrl: string | null }[];
        };
        return body.items.some((c) => c.whyNot === 'call-answered') &&
          body.items.some((c) => c.threadUrl)
          ? body.items
          : undefined;
      },
      { what: 'the simulated calls in the calls list' },
    );
    expect(calls.find((c) => c.threadUrl)?.threadUrl).toMatch(
      new RegExp(`^${conversation}/inbox\\?tenant=cool-breeze-hvac&thread=`),
    );
  });

  it("made once the seeded people; an operator's credential reads only its location's threads", async () => {
    const people = (
      JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
        people: { role: string; tenantId: string | null; locationIds: string[] | null }[];
      }
    ).people;
    expect(people.map((p) => `${p.tenantId ?? '*'} ${p.role}`).sort()).toEqual(
      ['bright-smile-dental', 'cool-breeze-hvac', 'happy-paws-vet']
        .flatMap((t) =>
          ['analyst', 'brand-admin', 'location-manager', 'operator'].map((r) => `${t} ${r}`),
        )
        .concat(['* platform-admin'])
        .sort(),
    );
    const conversation = `http://127.0.0.1:${basePort + 3}`;
    const operator = await tokenOf(
      (p) => p.role === 'operator' && p.tenantId === 'cool-breeze-hvac',
    );
    const threads = async (token: string) => {
      const res = await fetch(
        `${conversation}/v1/inbox/threads?tenantId=cool-breeze-hvac&limit=100`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      expect(res.status).toBe(200);
      return ((await res.json()) as { threads: { locationId: string }[] }).threads;
    };
    // Missed calls at Atlanta North (the operator's) and Atlanta South.
    expect(simulate('missed', '--from', '+14045550105', '--to', '+14045550110').decision).toEqual({
      outcome: 'requested',
      reason: null,
    });
    const all = await threads(
      await tokenOf((p) => p.role === 'brand-admin' && p.tenantId === 'cool-breeze-hvac'),
    );
    expect(new Set(all.map((r) => r.locationId)).size).toBeGreaterThan(1);
    const mine = await threads(operator);
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((r) => r.locationId))).toEqual(new Set(['atlanta-north']));
    const other = await fetch(`${conversation}/v1/inbox/threads?tenantId=bright-smile-dental`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(other.status).toBe(403);
    // The seeded people sign in on the pages with their email and password.
    const { people: withPasswords } = JSON.parse(
      readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8'),
    ) as { people: { role: string; tenantId: string | null; email: string; password: string }[] };
    const seededOperator = withPasswords.find(
      (p) => p.role === 'operator' && p.tenantId === 'cool-breeze-hvac',
    )!;
    const signedIn = await fetch(`${conversation}/inbox/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: seededOperator.email, password: seededOperator.password }),
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.getSetCookie().some((c) => c.startsWith('tb_session='))).toBe(true);
    // The bootstrap key is refused now that a platform administrator exists.
    const secrets = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
      ADMIN_API_KEY: string;
    };
    const bootstrap = await fetch(`http://127.0.0.1:${basePort + 6}/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
    });
    expect(bootstrap.status).toBe(401);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
