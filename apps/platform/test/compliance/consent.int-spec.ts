import { playCall, type FakeMessage } from '@textback/plivo-fake';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from '../test-platform';

/**
 * Consent end to end through real Kafka + PostgreSQL: texts in at the Plivo fake, the ledger in
 * compliance, the decision and the send honouring it, the audit export.
 */
describe('consent on Kafka + PostgreSQL', () => {
  let t: TestPlatform;
  const atlantaNorth = '+14045550100';
  const marietta = '+17705550120'; // same tenant, another location
  let next = 3000 + Math.floor(Math.random() * 5000);
  const newCaller = (): string => `+1678555${String(next++).padStart(4, '0')}`;
  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'kafka', name: 'consent' });
    admin.authorization = await t.adminAuthorization();
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const missedCall = async (caller: string, to = atlantaNorth) => {
    const played = await playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to,
      scenario: 'missed',
    });
    return { callId: played.callUuid, decision: await t.decisionOf(played.callUuid) };
  };
  const textsTo = (caller: string): FakeMessage[] => t.fake.sentTo(caller);
  const consentOf = async (caller: string) => {
    const res = await fetch(
      `${t.url('compliance')}/v1/consent/cool-breeze-hvac/${encodeURIComponent(caller)}`,
      { headers: admin },
    );
    return (await res.json()) as {
      state: string;
      history: {
        state: string;
        source: string;
        detail: string | null;
        messageText: string | null;
      }[];
    };
  };
  /** Waits until decision's copy of consent has caught up with compliance. */
  const decisionSees = (caller: string, state: string) =>
    eventually(
      async () => {
        const { rows } = await t.db.query(
          `SELECT state FROM ${t.schema('decision')}.consent_state WHERE phone_number = $1 ORDER BY changed_at DESC LIMIT 1`,
          [caller],
        );
        return (rows[0] as { state: string } | undefined)?.state === state;
      },
      { what: `decision to see ${caller} ${state}` },
    );

  it('"Stop." opts the caller out brand-wide; START opts back in; texts resume after the dedupe window', async () => {
    const caller = newCaller();
    const first = await missedCall(caller);
    expect(first.decision.outcome).toBe('requested');
    await eventually(() => textsTo(caller).find((m) => m.status === 'delivered'), {
      what: 'the first text',
    });

    await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'Stop.' });
    await decisionSees(caller, 'opted-out');
    expect((await consentOf(caller)).history).toEqual([
      expect.objectContaining({
        state: 'opted-out',
        source: 'keyword',
        detail: 'STOP',
        messageText: 'Stop.',
      }),
    ]);

    // Another location of the same brand: the opt-out covers it (tenant scope).
    const elsewhere = await missedCall(caller, marietta);
    expect(elsewhere.decision).toEqual({ outcome: 'suppressed', reason: 'opted-out' });

    await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'START' });
    await decisionSees(caller, 'opted-in');
    // Time passes beyond the 24 h dedupe window.
    await t.db.query(
      `UPDATE ${t.schema('decision')}.textback_decision SET decided_at = decided_at - interval '25 hours' WHERE caller_number = $1`,
      [caller],
    );
    const again = await missedCall(caller);
    expect(again.decision).toEqual({ outcome: 'requested', reason: null });
    await eventually(() => textsTo(caller).filter((m) => m.status === 'delivered').length === 2, {
      what: 'the second text',
    });
  });

  it('a delivery report with ErrorCode 200 opts the number out', async () => {
    const caller = newCaller();
    t.fake.blockAtCarrier(atlantaNorth, caller);
    const call = await missedCall(caller);
    expect(call.decision.outcome).toBe('requested');
    await decisionSees(caller, 'opted-out');
    expect((await consentOf(caller)).history).toEqual([
      expect.objectContaining({ state: 'opted-out', source: 'carrier-error-200' }),
    ]);
    const later = await missedCall(caller, marietta);
    expect(later.decision).toEqual({ outcome: 'suppressed', reason: 'opted-out' });
  });

  it('answers HELP with the business, how to get help and how to opt out, without changing consent', async () => {
    const caller = newCaller();
    await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'help' });
    const reply = await eventually(() => textsTo(caller).find((m) => m.status === 'delivered'), {
      what: 'the HELP reply',
    });
    expect(reply.text).toBe(
      'Cool Breeze Heating & Air (Atlanta North): missed-call text line. For help call +14045550100. Msg frequency varies. Msg&data rates may apply. Reply STOP to opt out.',
    );
    expect((await consentOf(caller)).state).toBe('no-record');
  });

  it('honours a plain-words revocation and flags it; an ambiguous message is only flagged; a question with a keyword in it is neither', async () => {
    const caller = newCaller();
    await t.fake.receiveFromCustomer({
      from: caller,
      to: atlantaNorth,
      text: 'Can I cancel my appointment?',
    });
    await t.fake.receiveFromCustomer({
      from: caller,
      to: atlantaNorth,
      text: 'will you stop texting me if I book?',
    });
    await t.fake.receiveFromCustomer({
      from: caller,
      to: atlantaNorth,
      text: 'please stop texting me',
    });
    await decisionSees(caller, 'opted-out');
    expect((await consentOf(caller)).history).toEqual([
      expect.objectContaining({
        state: 'opted-out',
        source: 'plain-words',
        detail: 'stop-messaging-me',
      }),
    ]);
    const reviews = await eventually(
      async () => {
        const { rows } = await t.db.query(
          `SELECT verdict, rule FROM ${t.schema('compliance')}.consent_review WHERE phone_number = $1 ORDER BY flagged_at`,
          [caller],
        );
        return rows.length === 2 ? rows : undefined;
      },
      { what: 'two flagged messages' },
    );
    expect(reviews).toEqual([
      { verdict: 'ambiguous', rule: 'stop-messaging-me' },
      { verdict: 'revocation', rule: 'stop-messaging-me' },
    ]);
  });

  it('lets an operator opt a number in or out with who and why, and exports the history in order', async () => {
    const caller = newCaller();
    const bad = await fetch(
      `${t.url('compliance')}/v1/consent/cool-breeze-hvac/${encodeURIComponent(caller)}/opt-out`,
      { method: 'POST', headers: admin, body: '{}' },
    );
    expect(bad.status).toBe(400);
    const unauthorized = await fetch(
      `${t.url('compliance')}/v1/consent/cool-breeze-hvac/${encodeURIComponent(caller)}`,
    );
    expect(unauthorized.status).toBe(401);
    await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'STOP' });
    await decisionSees(caller, 'opted-out');
    const optIn = await fetch(
      `${t.url('compliance')}/v1/consent/cool-breeze-hvac/${encodeURIComponent(caller)}/opt-in`,
      {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          actor: 'dana@coolbreeze.example',
          reason: 'customer asked by phone to get texts again',
        }),
      },
    );
    expect(optIn.status).toBe(201);
    await decisionSees(caller, 'opted-in');
    const csv = await (
      await fetch(
        `${t.url('compliance')}/v1/consent/cool-breeze-hvac/export?format=csv&phone=${encodeURIComponent(caller)}`,
        { headers: admin },
      )
    ).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'seq,phoneNumber,state,source,scope,channelNumber,detail,actor,reason,messageText,textRedacted,changedAt',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(1, 5))).toEqual([
      [caller, 'opted-out', 'keyword', 'tenant'],
      [caller, 'opted-in', 'operator', 'tenant'],
    ]);
    const json = (await (
      await fetch(
        `${t.url('compliance')}/v1/consent/cool-breeze-hvac/export?format=json&phone=${encodeURIComponent(caller)}`,
        { headers: admin },
      )
    ).json()) as { changes: { source: string; actor: string | null }[] };
    expect(json.changes.map((c) => [c.source, c.actor])).toEqual([
      ['keyword', null],
      ['operator', 'dana@coolbreeze.example'],
    ]);
  });

  it('redacts message texts after the retention period and keeps the changes', async () => {
    const caller = newCaller();
    await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'STOP' });
    await decisionSees(caller, 'opted-out');
    await t.db.query(
      `UPDATE ${t.schema('compliance')}.consent_change SET changed_at = changed_at - interval '91 days' WHERE phone_number = $1`,
      [caller],
    );
    const { ConsentLedgerService } = await import('@textback/compliance');
    const ledger = t.platform.services.get('compliance')!.app.get(ConsentLedgerService);
    expect(await ledger.redactExpiredTexts()).toBeGreaterThanOrEqual(1);
    const { history } = await consentOf(caller);
    expect(history).toEqual([
      expect.objectContaining({ state: 'opted-out', source: 'keyword', messageText: null }),
    ]);
  });

  it('scopes an opt-out to the number it was sent to when the tenant says so', async () => {
    const gateway = t.url('gateway');
    expect(
      (
        await fetch(`${gateway}/v1/admin/tenants/corner-plumbing`, {
          method: 'PUT',
          headers: admin,
          body: JSON.stringify({
            brandName: 'Corner Plumbing',
            vertical: 'plumbing',
            optOutScope: 'number',
          }),
        })
      ).status,
    ).toBe(201);
    const created = await fetch(`${gateway}/v1/admin/tenants/corner-plumbing/locations/decatur`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        name: 'Decatur',
        businessNumbers: ['+14705550181', '+14705550182'],
        forwardTo: '+14705550189',
        timezone: 'America/New_York',
      }),
    });
    expect(created.status).toBe(201);
    await eventually(
      async () => {
        // conversation too: it takes the STOP, and refuses a text to a number it does not know yet.
        for (const service of ['call-ingest', 'decision', 'conversation', 'compliance']) {
          const { rows } = await t.db.query(
            `SELECT 1 FROM ${t.schema(service)}.location_directory WHERE location_id = 'decatur'`,
          );
          if (rows.length === 0) return false;
        }
        return true;
      },
      { what: 'the new location everywhere' },
    );
    const caller = newCaller();
    const stop = await t.fake.receiveFromCustomer({
      from: caller,
      to: '+14705550181',
      text: 'STOP',
    });
    expect(stop.status).toBe(200);
    await eventually(
      async () => {
        const { rows } = await t.db.query(
          `SELECT channel_number FROM ${t.schema('decision')}.consent_state WHERE phone_number = $1`,
          [caller],
        );
        return (
          (rows[0] as { channel_number: string } | undefined)?.channel_number === '+14705550181'
        );
      },
      { what: 'the per-number opt-out in decision' },
    );
    const other = await missedCall(caller, '+14705550182');
    expect(other.decision).toEqual({ outcome: 'requested', reason: null });
    const same = await missedCall(caller, '+14705550181');
    expect(same.decision).toEqual({ outcome: 'suppressed', reason: 'opted-out' });
    const res = await fetch(
      `${t.url('compliance')}/v1/consent/corner-plumbing/${encodeURIComponent(caller)}?channel=${encodeURIComponent('+14705550182')}`,
      { headers: admin },
    );
    expect(await res.json()).toMatchObject({
      state: 'no-record',
      history: [expect.objectContaining({ scope: 'number', channelNumber: '+14705550181' })],
    });

    // sms-dispatch's check before its sends: many in one request, answered in order.
    const checks = (body: unknown) =>
      fetch(`${t.url('compliance')}/internal/v1/consent/checks`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secrets.SERVICE_API_KEY}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const answered = await checks({
      checks: [
        { tenantId: 'corner-plumbing', phoneNumber: caller, channelNumber: '+14705550181' },
        { tenantId: 'corner-plumbing', phoneNumber: caller, channelNumber: '+14705550182' },
        { tenantId: 'cool-breeze-hvac', phoneNumber: caller, channelNumber: '+14705550181' },
        { tenantId: 'corner-plumbing', phoneNumber: caller, channelNumber: '+14705550181' },
      ],
    });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({
      results: [
        { state: 'opted-out', mayText: false },
        { state: 'no-record', mayText: true },
        { state: 'no-record', mayText: true },
        { state: 'opted-out', mayText: false },
      ],
    });
    const malformed = await checks({
      checks: [{ tenantId: 'corner-plumbing', phoneNumber: '555' }],
    });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(await malformed.json())).toContain('phoneNumber');
    expect((await checks({ checks: [] })).status).toBe(400);
  });
});
