import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { InProcessTransport } from '@textback/messaging';
import { postVoiceWebhook } from '@textback/plivo-fake';
import { eventually } from '@textback/testing';
import { postCallEvent, secrets, startTestPlatform, type TestPlatform } from './test-platform';

/**
 * Property-based tests of the inputs a stranger controls (#11): inbound texts, call events, inbox
 * replies and the admin API. Whatever arrives, the answer is a 2xx, or a 4xx whose message names
 * the field that is wrong; never a 5xx. Every inbound text that was accepted is in its thread and
 * on `sms.received.v1`.
 *
 * Fixed seed and 200 runs per surface; run more with, e.g.,
 * `PROPERTY_RUNS=5000 PROPERTY_SEED=$RANDOM npx jest apps/platform/test/input-properties`.
 */
const seed = Number(process.env['PROPERTY_SEED'] ?? 20261129);
const numRuns = Number(process.env['PROPERTY_RUNS'] ?? 200);
const settings = { seed, numRuns, endOnFailure: true } as const;

/** "field.path: reason" (or "(body): …"): the answer names what is wrong. */
const NAMES_A_FIELD = /^(\(body\)|[A-Za-z][\w-]*(\.[\w-]+)*): \S/;

interface Answer {
  status: number;
  body: { error?: string; message?: string } & Record<string, unknown>;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = { message: text };
  }
  return { status: res.status, body };
}

/** 2xx; or 4xx naming a field; or one of the named non-field refusals of that surface. */
function expectWellFormed(a: Answer, allowed: { status: number; error: string }[] = []): void {
  if (a.status >= 200 && a.status < 300) return;
  if (allowed.some((x) => x.status === a.status && x.error === a.body.error)) return;
  expect({ status: a.status, message: a.body.message }).toEqual({
    status: expect.any(Number),
    message: expect.stringMatching(NAMES_A_FIELD),
  });
  expect(a.status).toBeGreaterThanOrEqual(400);
  expect(a.status).toBeLessThan(500);
}

/** Text as customers (and attackers) send it: any code point, control characters, emoji, long. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 1800 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom(
    'STOP',
    'Stop texting me please',
    'PARAR',
    'HELP',
    'ayuda',
    'no quiero recibir más mensajes',
    '',
    ' ',
    '\u0000',
    `${'a'.repeat(1599)}😀`,
  ),
);
const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    '\u0000',
    'a'.repeat(3000),
    '-1',
    '1e12',
    'NaN',
    '../../etc/passwd',
    '<script>',
  ),
);
const localNumber = fc
  .integer({ min: 0, max: 9999 })
  .map((n) => `+1678557${String(n).padStart(4, '0')}`);

describe('inputs a stranger controls (property-based, fast-check)', () => {
  let t: TestPlatform;
  const published = new Set<string>();

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'props' });
    admin.authorization = await t.adminAuthorization();
    const transport = new InProcessTransport(t.platform.broker!);
    await transport.consume(
      { groupId: 'test-property-reader', topics: ['sms.received.v1'] },
      async (batch) => {
        for (const m of batch)
          published.add((JSON.parse(m.value) as { carrierMessageId: string }).carrierMessageId);
      },
    );
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };

  it(`inbound texts (${numRuns} runs): 2xx or a named field; every accepted text is in its thread and published`, async () => {
    const accepted: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          text: anyText,
          from: fc.oneof({ weight: 4, arbitrary: localNumber }, { weight: 1, arbitrary: junk }),
          to: fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom('14045550100', '+17705550120', '15125550150') },
            { weight: 1, arbitrary: junk },
          ),
          uuid: fc.oneof({ weight: 4, arbitrary: fc.uuid() }, { weight: 1, arbitrary: junk }),
          intent: fc.constantFrom('', 'optout', 'optin', 'help', 'nonsense'),
          field: fc.constantFrom('Text', 'Body'),
        }),
        async (m) => {
          const exchange = await postVoiceWebhook(
            t.app().message_url,
            {
              From: m.from,
              To: m.to,
              [m.field]: m.text,
              Type: 'sms',
              MessageUUID: m.uuid,
              MessageIntent: m.intent,
            },
            secrets.PLIVO_AUTH_TOKEN,
          );
          const a: Answer = {
            status: exchange.status,
            body: JSON.parse(exchange.body) as Answer['body'],
          };
          expectWellFormed(a, [{ status: 404, error: 'not-found' }]);
          if (a.status === 200 && a.body['duplicate'] === false) accepted.push(m.uuid);
        },
      ),
      settings,
    );
    expect(accepted.length).toBeGreaterThan(numRuns / 3);
    await eventually(
      async () => {
        const { rows } = await t.db.query<{ message_id: string }>(
          `SELECT message_id FROM ${t.schema('conversation')}.thread_message WHERE message_id = ANY($1)`,
          [accepted],
        );
        return rows.length === accepted.length && accepted.every((id) => published.has(id));
      },
      { what: 'every accepted text in its thread and on sms.received.v1', timeoutMs: 30_000 },
    );
  });

  it(`call events (${numRuns} runs): 2xx, or 4xx naming the field`, async () => {
    const field = <T>(valid: fc.Arbitrary<T>) =>
      fc.option(
        fc.oneof(
          { weight: 3, arbitrary: valid },
          {
            weight: 1,
            arbitrary: fc.oneof(
              junk,
              fc.integer(),
              fc.double(),
              fc.boolean(),
              fc.constant(null),
              fc.array(fc.string(), { maxLength: 2 }),
            ),
          },
        ),
        { nil: undefined, freq: 8 },
      );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            callId: field(fc.uuid()),
            tenantId: field(
              fc.constantFrom('cool-breeze-hvac', 'happy-paws-vet', 'no-such-tenant'),
            ),
            locationId: field(fc.constantFrom('atlanta-north', 'austin', 'marietta')),
            businessNumber: field(fc.constantFrom('+14045550100', '+15125550150', '+12125550000')),
            callerNumber: field(localNumber),
            outcome: field(
              fc.constantFrom(
                'no-answer',
                'busy',
                'answered',
                'voicemail',
                'caller-abandoned',
                'failed',
              ),
            ),
            endedAt: field(
              fc
                .date({
                  min: new Date('2000-01-01'),
                  max: new Date('2100-01-01'),
                  noInvalidDate: true,
                })
                .map((d) => d.toISOString()),
            ),
            durationSeconds: field(fc.integer({ min: 0, max: 86_400 })),
            extra: fc.option(junk, { nil: undefined, freq: 5 }),
          },
          { requiredKeys: [] },
        ),
        async (event) => {
          const res = await postCallEvent(t.url('call-ingest'), event);
          expectWellFormed(await answer(res));
        },
      ),
      settings,
    );
  });

  it(`inbox replies (${numRuns} runs): 2xx, 404 for no such thread, or 4xx naming the field`, async () => {
    await t.fake.receiveFromCustomer({
      from: '+16785579999',
      to: '+14045550100',
      text: 'Is anyone there?',
    });
    const thread = await eventually(
      async () => {
        const { rows } = await t.db.query<{ thread_id: string }>(
          `SELECT thread_id FROM ${t.schema('conversation')}.thread WHERE customer_number = '+16785579999'`,
        );
        return rows[0]?.thread_id;
      },
      { what: 'a thread to reply in' },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          threadId: fc.oneof(
            { weight: 4, arbitrary: fc.constant(thread) },
            { weight: 1, arbitrary: fc.uuid() },
            { weight: 1, arbitrary: junk.filter((j) => j.length > 0 && !j.includes('/')) },
          ),
          body: fc.oneof(
            fc.record({
              author: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 150 }), junk),
              text: anyText,
            }),
            fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(junk, fc.integer())),
          ),
        }),
        async (r) => {
          const res = await fetch(
            `${t.url('conversation')}/v1/inbox/threads/${encodeURIComponent(r.threadId)}/reply?tenantId=cool-breeze-hvac`,
            { method: 'POST', headers: admin, body: JSON.stringify(r.body) },
          );
          expectWellFormed(await answer(res), [{ status: 404, error: 'not-found' }]);
        },
      ),
      settings,
    );
  });

  it(`admin API (${numRuns} runs): tenants and locations take valid settings and name what is wrong`, async () => {
    const maybe = <T>(valid: fc.Arbitrary<T>) =>
      fc.option(
        fc.oneof(
          { weight: 3, arbitrary: valid },
          { weight: 1, arbitrary: fc.oneof(junk, fc.integer(), fc.constant(null)) },
        ),
        { nil: undefined, freq: 6 },
      );
    const tenant = fc.record(
      {
        brandName: maybe(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 90 })),
        vertical: maybe(fc.constantFrom('hvac', 'plumbing', 'dental', 'other')),
        brandDailyCap: maybe(fc.integer({ min: -5, max: 10_000 })),
        monthlyPrice: maybe(
          fc.record({
            amountMinor: fc.integer({ min: -100, max: 10_000_000 }),
            currency: fc.constantFrom('USD', 'usd', 'EUR'),
          }),
        ),
        quietHours: maybe(
          fc.record({
            start: fc.constantFrom('08:00', '25:00', '9'),
            end: fc.constantFrom('21:00', '20:00'),
          }),
        ),
      },
      { requiredKeys: [] },
    );
    const location = fc.record(
      {
        name: maybe(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 90 })),
        businessNumbers: maybe(fc.array(fc.oneof(localNumber, junk), { maxLength: 3 })),
        forwardTo: maybe(localNumber),
        timezone: maybe(fc.constantFrom('America/New_York', 'Mars/Olympus', 'UTC')),
        template: maybe(fc.constantFrom('Hi from {{business}}', 'Hi {{nope}}', '')),
        bookingUrl: maybe(
          fc.constantFrom('https://x.example/book', 'javascript:alert(1)', 'http://x.example'),
        ),
        onCallWebhookUrl: maybe(
          fc.constantFrom('http://169.254.169.254/', 'file:///etc/passwd', 'https://10.0.0.1/x'),
        ),
        sendDelaySeconds: maybe(fc.integer({ min: -10, max: 5_000 })),
        spamNumbers: maybe(fc.array(fc.oneof(localNumber, junk), { maxLength: 5 })),
        averageTicket: maybe(
          fc.record({
            amountMinor: fc.integer({ min: -100, max: 100_000 }),
            currency: fc.constant('USD'),
          }),
        ),
      },
      { requiredKeys: [] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        tenant,
        location,
        fc.oneof({ weight: 5, arbitrary: fc.constant('ok') }, { weight: 1, arbitrary: junk }),
        async (tenantBody, locationBody, idKind) => {
          const id = idKind === 'ok' ? `prop-${n++}` : encodeURIComponent(idKind || '-');
          const putTenant = await answer(
            await fetch(`${t.url('gateway')}/v1/admin/tenants/${id}`, {
              method: 'PUT',
              headers: admin,
              body: JSON.stringify(tenantBody),
            }),
          );
          expectWellFormed(putTenant, [{ status: 404, error: 'not-found' }]);
          const putLocation = await answer(
            await fetch(
              `${t.url('gateway')}/v1/admin/tenants/${id}/locations/main-${randomUUID().slice(0, 8)}`,
              { method: 'PUT', headers: admin, body: JSON.stringify(locationBody) },
            ),
          );
          expectWellFormed(putLocation, [
            { status: 404, error: 'not-found' },
            { status: 409, error: 'conflict' },
          ]);
        },
      ),
      settings,
    );
  });
});
