import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toE164 } from '@textback/contracts';
import { playCall, type CallScenario } from '@textback/plivo-fake';

/**
 * `npm run simulate -- <scenario> [--from E164] [--to E164] [--text "…"] [--wait] [--timeout s]`:
 * plays signed Plivo webhooks against a running platform (`npm start`) the way Plivo would, then
 * prints one JSON line with the texts the carrier fake holds for the caller and the platform's
 * decision. `sms` plays an inbound text; with `--wait` it also waits for the platform's reply.
 */
const scenarios = ['missed', 'busy', 'abandoned', 'voicemail', 'answered', 'spam', 'sms'] as const;
type Scenario = (typeof scenarios)[number];

interface PlatformInfo {
  services: Record<string, string>;
  plivoFake: string | null;
  plivoApplication: { answer_url: string; hangup_url: string; message_url: string };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    from: { type: 'string' },
    to: { type: 'string', default: '+14045550100' },
    text: { type: 'string', default: 'Hi, my AC stopped working, can someone come today?' },
    'data-dir': { type: 'string', default: process.env['TEXTBACK_DATA_DIR'] ?? './data' },
    /** sms: wait for the platform's reply text (up to --timeout). */
    wait: { type: 'boolean', default: false },
    /** Seconds to wait for the platform to be ready, and for a text or reply. */
    timeout: { type: 'string', default: '30' },
  },
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
function fail(message: string): never {
  process.stderr.write(`simulate: ${message}\n`);
  process.exit(2);
}

async function until<T>(
  what: string,
  deadlineMs: number,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(100);
  }
  void what;
  return undefined;
}

async function main(): Promise<void> {
  const scenario = positionals[0] as Scenario | undefined;
  if (!scenario || !scenarios.includes(scenario))
    fail(
      `usage: npm run simulate -- <${scenarios.join('|')}> [--from E164] [--to E164] [--text "…"] [--wait] [--timeout seconds]`,
    );
  const dataDir = resolve(values['data-dir']);
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600)
    fail('--timeout: seconds, more than 0 and at most 3600');
  const waitMs = timeoutSeconds * 1000;
  // A number the fake cannot tell apart would match every tenant's texts: refuse it up front.
  const phone = (flag: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    try {
      return toE164(value);
    } catch {
      return fail(
        `--${flag}: ${JSON.stringify(value)} is not a valid phone number (e.g. +14045551234)`,
      );
    }
  };
  const from = phone('from', values.from);
  const toNumber = phone('to', values.to) ?? '+14045550100';

  // Wait (up to --wait seconds) for a platform to be up and ready.
  const info = await until('the platform', waitMs, async () => {
    const file = join(dataDir, 'platform.json');
    if (!existsSync(file)) return undefined;
    const p = JSON.parse(readFileSync(file, 'utf8')) as PlatformInfo;
    const ready = await fetch(`${p.services['call-ingest']}/readyz`).then((r) => r.ok);
    return ready ? p : undefined;
  });
  if (!info)
    fail(
      `no ready platform found via ${join(dataDir, 'platform.json')} within ${timeoutSeconds} s (is \`npm start\` running?)`,
    );
  const secrets = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
    PLIVO_AUTH_TOKEN: string;
    people?: { role: string; refreshToken: string }[];
  };
  // The seeded platform administrator's access token (its refresh token exchanged at the gateway).
  const adminRefresh = secrets.people?.find((p) => p.role === 'platform-admin')?.refreshToken;
  const adminKey = adminRefresh
    ? await fetch(`${info.services['gateway']}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: adminRefresh }),
      })
        .then((r) => r.json() as Promise<{ access_token?: string }>)
        .then((b) => b.access_token ?? '')
    : '';
  const authToken = process.env['PLIVO_AUTH_TOKEN'] ?? secrets.PLIVO_AUTH_TOKEN;
  const to = toNumber;
  const caller =
    scenario === 'spam'
      ? (from ?? '+14045550666')
      : (from ?? `+1404555${String(1000 + Math.floor(Math.random() * 9000)).padStart(4, '0')}`);

  let callId: string | null = null;
  let endedAt = Date.now();
  let inbound: { status: number; intent: string } | undefined;
  let sentAt = Date.now();
  if (scenario === 'sms') {
    if (!info.plivoFake)
      fail('the sms scenario needs the Plivo fake (platform started without PLIVO_API_URL)');
    sentAt = Date.now();
    const res = await fetch(`${info.plivoFake}/__fake/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: caller, to, text: values.text }),
    });
    inbound = (await res.json()) as { status: number; intent: string };
    if (inbound.status !== 200)
      fail(`the platform did not take the text: its message_url answered ${inbound.status}`);
  } else {
    const callScenario: CallScenario = scenario === 'spam' ? 'missed' : scenario;
    const played = await playCall({
      answerUrl: info.plivoApplication.answer_url,
      hangupUrl: info.plivoApplication.hangup_url,
      authToken,
      from: caller,
      to,
      scenario: callScenario,
    });
    const refused = played.exchanges.find((e) => e.status >= 300);
    if (refused) fail(`the platform refused ${refused.url}: ${refused.status} ${refused.body}`);
    callId = played.callUuid;
    endedAt = Date.now(); // Plivo has told us the call ended (hangup acknowledged)
  }

  // The decision is read within its tenant: the one whose location has the number called.
  const tenants = (await fetch(`${info.services['gateway']}/v1/admin/tenants`, {
    headers: { authorization: `Bearer ${adminKey}` },
  }).then((r) => (r.ok ? r.json() : []))) as {
    tenantId: string;
    locations: { businessNumbers: string[] }[];
  }[];
  const tenantId = tenants.find((t) =>
    t.locations.some((l) => l.businessNumbers.includes(to)),
  )?.tenantId;
  const decision = callId
    ? await until('the decision', 15_000, async () => {
        const res = await fetch(
          `${info.services['decision']}/v1/decisions/${callId}?tenantId=${encodeURIComponent(tenantId ?? '')}`,
          { headers: { authorization: `Bearer ${adminKey}` } },
        );
        return res.ok
          ? ((await res.json()) as { outcome: string; reason: string | null })
          : undefined;
      })
    : undefined;

  type FakeMessage = {
    from: string;
    to: string;
    text: string;
    status: string;
    origin: string;
    direction: string;
    createdAt: string;
  };
  const messagesNow = async (): Promise<FakeMessage[]> =>
    info.plivoFake
      ? ((await (
          await fetch(`${info.plivoFake}/__fake/messages?to=${encodeURIComponent(caller)}`)
        ).json()) as FakeMessage[])
      : [];
  // sms --wait: the platform's own reply (HELP, a question, an urgent-case answer), delivered.
  let reply: FakeMessage | undefined;
  if (scenario === 'sms' && values.wait) {
    reply = await until('the reply', waitMs, async () =>
      (await messagesNow()).find(
        (m) =>
          m.origin === 'api' &&
          Date.parse(m.createdAt) >= sentAt - 1_000 &&
          ['delivered', 'failed', 'undelivered'].includes(m.status),
      ),
    );
  }
  if (decision?.outcome === 'requested') {
    // Wait for the text to reach a final state at the carrier.
    await until('the text', waitMs, async () => {
      const ms = (await messagesNow()).filter((m) => m.origin === 'api');
      return ms.some((m) => ['delivered', 'failed', 'undelivered'].includes(m.status))
        ? true
        : undefined;
    });
  }
  const messages = (await messagesNow())
    .filter((m) => m.direction === 'outbound')
    .map((m) => ({
      from: `+${m.from}`,
      to: `+${m.to}`,
      text: m.text,
      status: m.status,
      ...(m.origin === 'carrier' ? { sentBy: 'carrier' } : {}),
    }));
  // How long after the call ended the carrier had our text (a measurement, printed, never asserted).
  const firstText = (await messagesNow()).find(
    (m) => m.origin === 'api' && Date.parse(m.createdAt) >= endedAt - 60_000,
  );
  const textAfterMs =
    callId && firstText ? Math.max(0, Date.parse(firstText.createdAt) - endedAt) : null;
  const sms =
    scenario === 'sms'
      ? {
          text: values.text,
          // 200: stored in its thread and read for consent before the acknowledgement.
          acknowledged: inbound?.status === 200,
          carrierIntent: inbound?.intent || null,
          reply: reply ? { text: reply.text, status: reply.status } : null,
          ...(values.wait && !reply
            ? {
                note: `no reply within ${timeoutSeconds} s (follow-up questions wait out quiet hours; STOP gets the carrier's confirmation only)`,
              }
            : {}),
        }
      : undefined;
  process.stdout.write(
    `${JSON.stringify({ scenario, caller, to, callId, ...(sms ? { sms } : {}), messages, decision: decision ? { outcome: decision.outcome, reason: decision.reason } : null, textAfterMs })}\n`,
  );
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
