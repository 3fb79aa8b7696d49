import { randomUUID } from 'node:crypto';
import {
  playCall,
  postVoiceWebhook,
  type CallScenario,
  type FakeMessage,
} from '@textback/plivo-fake';
import { eventually } from '@textback/testing';
import { playCallTo, secrets, startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The missed-call text-back loop through real Kafka and PostgreSQL, driven the way Plivo drives
 * it: signed voice webhooks in, texts out through the real plivo SDK to the Plivo fake, delivery
 * reports back. Each scenario ends with the right text, or none with the right reason.
 */
describe('the text-back loop on Kafka + PostgreSQL', () => {
  let t: TestPlatform;
  const business = '+14045550100'; // cool-breeze-hvac / atlanta-north (seed)
  let next = 2000 + Math.floor(Math.random() * 5000);
  const newCaller = (): string => `+1404555${String(next++).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'kafka', name: 'loop' });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const call = (
    scenario: CallScenario,
    from: string,
    extra: Partial<Parameters<typeof playCall>[0]> = {},
  ) => playCallTo(t, { from, to: business, scenario, ...extra });

  const textsTo = (caller: string): FakeMessage[] => t.fake.sentTo(caller);
  const deliveredTextTo = (caller: string): Promise<FakeMessage> =>
    eventually(() => textsTo(caller).find((m) => m.status === 'delivered'), {
      what: `a delivered text to ${caller}`,
    });

  /** Waits until the call's decision is stored and every event it caused has been handled. */
  async function settled(callId: string): Promise<{ outcome: string; reason: string | null }> {
    const decision = await t.decisionOf(callId);
    if (decision.outcome === 'requested') {
      await eventually(
        async () => {
          const { rows } = await t.db.query(
            `SELECT state FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
            [callId],
          );
          return (
            rows[0] &&
            ['delivered', 'failed', 'suppressed'].includes((rows[0] as { state: string }).state)
          );
        },
        { what: `the send for call ${callId} to finish` },
      );
    }
    return decision;
  }

  it.each<[CallScenario, string]>([
    ['missed', 'no-answer'],
    ['busy', 'busy'],
    ['abandoned', 'caller-abandoned'],
    ['voicemail', 'voicemail'],
  ])('texts the caller back after a %s call (classified %s)', async (scenario, outcome) => {
    const caller = newCaller();
    const played = await call(scenario, caller);
    expect(played.exchanges.every((e) => e.status === 200)).toBe(true);
    expect(played.answerXml).toContain('<Dial action="');
    expect(played.answerXml).toContain('#rc=3&amp;rp=ct,rt,5xx');
    expect(await settled(played.callUuid)).toEqual({ outcome: 'requested', reason: null });
    const text = await deliveredTextTo(caller);
    expect(text.from).toBe('14045550100');
    expect(text.text).toBe(
      'Hi, this is Cool Breeze Heating & Air (Atlanta North). Sorry we missed your call! Is it heating, cooling or something else? You can also book here: https://coolbreeze.example/book Reply STOP to opt out.',
    );
    expect(textsTo(caller)).toHaveLength(1);
    const { rows } = await t.db.query(
      `SELECT outcome FROM ${t.schema('call-ingest')}.plivo_call WHERE call_uuid = $1`,
      [played.callUuid],
    );
    expect(rows[0]).toEqual({ outcome });
  });

  it('does not text an answered call', async () => {
    const caller = newCaller();
    const played = await call('answered', caller);
    expect(await settled(played.callUuid)).toEqual({
      outcome: 'suppressed',
      reason: 'call-answered',
    });
    expect(textsTo(caller)).toEqual([]);
  });

  it('does not text a caller on the location spam list', async () => {
    const played = await call('missed', '+14045550666');
    expect(await settled(played.callUuid)).toEqual({
      outcome: 'suppressed',
      reason: 'spam-caller',
    });
    expect(textsTo('+14045550666')).toEqual([]);
  });

  it('does not text a landline (Lookup)', async () => {
    const caller = newCaller();
    t.fake.setLineType(caller, 'fixed');
    const played = await call('missed', caller);
    expect(await settled(played.callUuid)).toEqual({ outcome: 'suppressed', reason: 'landline' });
    // The next call is decided from the cached line type: Lookup (paid per request) asked once.
    const again = await call('busy', caller);
    expect(await settled(again.callUuid)).toEqual({ outcome: 'suppressed', reason: 'landline' });
    expect(t.fake.lookupsOf(caller)).toBe(1);
    expect(textsTo(caller)).toEqual([]);
  });

  it('texts a caller once per dedupe window', async () => {
    const caller = newCaller();
    const first = await call('missed', caller);
    expect((await settled(first.callUuid)).outcome).toBe('requested');
    const second = await call('busy', caller);
    expect(await settled(second.callUuid)).toEqual({
      outcome: 'suppressed',
      reason: 'duplicate-within-window',
    });
    await deliveredTextTo(caller);
    expect(textsTo(caller)).toHaveLength(1);
  });

  it('classifies once when webhooks arrive twice and the hangup comes before the Dial action', async () => {
    const caller = newCaller();
    const played = await call('missed', caller, { order: 'hangup-first', duplicate: true });
    expect(played.exchanges.every((e) => e.status === 200)).toBe(true);
    expect(await settled(played.callUuid)).toEqual({ outcome: 'requested', reason: null });
    await deliveredTextTo(caller);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM ${t.schema('decision')}.textback_decision WHERE call_id = $1`,
      [played.callUuid],
    );
    expect(rows[0]).toEqual({ n: 1 });
    expect(textsTo(caller)).toHaveLength(1);
  });

  it('refuses unsigned, forged, replayed and malformed webhooks with a clear 4xx and no event', async () => {
    const callUuid = randomUUID();
    const params = {
      CallUUID: callUuid,
      From: '14045550155',
      To: '14045550100',
      Direction: 'inbound',
      CallStatus: 'ringing',
    };
    const unsigned = await fetch(t.app().answer_url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({
      error: 'invalid-signature',
      message: 'signature missing',
    });
    const forged = await postVoiceWebhook(t.app().answer_url, params, 'not-the-auth-token');
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toEqual({
      error: 'invalid-signature',
      message: 'signature invalid',
    });
    const malformed = await postVoiceWebhook(
      t.app().hangup_url,
      { ...params, CallUUID: 'x' },
      secrets.PLIVO_AUTH_TOKEN,
    );
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({
      error: 'invalid-payload',
      message: expect.stringContaining('CallUUID'),
    });

    // A captured, valid request sent again: same nonce, same signature.
    const headers = new Headers();
    const body = new URLSearchParams(params).toString();
    const { plivoSignatureHeaders } = await import('@textback/carrier-plivo');
    for (const [k, v] of Object.entries(
      plivoSignatureHeaders({
        method: 'POST',
        url: t.app().answer_url,
        params,
        authToken: secrets.PLIVO_AUTH_TOKEN,
        nonce: '12345678901234567890',
        schemes: ['v3'],
      }),
    ))
      headers.set(k, v);
    headers.set('content-type', 'application/x-www-form-urlencoded');
    const original = await fetch(t.app().answer_url, { method: 'POST', headers, body });
    expect(original.status).toBe(200);
    const replay = await fetch(t.app().answer_url, { method: 'POST', headers, body });
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ error: 'replayed' });

    // The answer's row is written right after the answer (decision: answer from memory): wait
    // for it, then there is exactly the one.
    const rows = await eventually(
      async () => {
        const { rows: found } = await t.db.query(
          `SELECT kind FROM ${t.schema('call-ingest')}.plivo_webhook WHERE call_uuid = $1`,
          [callUuid],
        );
        return found.length > 0 ? found : undefined;
      },
      { what: "the answer's row" },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(rows).toEqual([{ kind: 'answer' }]);
    const { rows: after } = await t.db.query(
      `SELECT kind FROM ${t.schema('call-ingest')}.plivo_webhook WHERE call_uuid = $1`,
      [callUuid],
    );
    expect(after).toEqual([{ kind: 'answer' }]);
  });

  it('retries a send the carrier refused with 429, and sends exactly one text', async () => {
    const caller = newCaller();
    t.fake.injectFault({ kind: 'rate-limited' }, 2);
    const played = await call('missed', caller);
    await settled(played.callUuid);
    await deliveredTextTo(caller);
    expect(textsTo(caller)).toHaveLength(1);
    const { rows } = await t.db.query(
      `SELECT attempts FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
      [played.callUuid],
    );
    expect(rows[0]).toEqual({ attempts: 3 });
  });

  it.each(['accepted-then-500', 'accepted-then-drop'] as const)(
    'never resends when the carrier queued the text but answered %s',
    async (kind) => {
      const caller = newCaller();
      t.fake.injectFault({ kind });
      const played = await call('missed', caller);
      await settled(played.callUuid);
      await deliveredTextTo(caller);
      // Give a wrong retry every chance to happen.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(textsTo(caller)).toHaveLength(1);
      const { rows } = await t.db.query(
        `SELECT state, attempts FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
        [played.callUuid],
      );
      expect(rows[0]).toEqual({ state: 'delivered', attempts: 1 });
    },
  );

  it('records a carrier opt-out (ErrorCode 200) on sms.failed', async () => {
    const caller = newCaller();
    // Opted out at the carrier in a way we never saw (e.g. STOP to another number of the campaign).
    t.fake.blockAtCarrier(business, caller);
    const played = await call('missed', caller);
    await settled(played.callUuid);
    const { rows } = await t.db.query(
      `SELECT state, error_code FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
      [played.callUuid],
    );
    expect(rows[0]).toEqual({ state: 'failed', error_code: '200' });
    const failed = await eventually(
      async () => {
        const r = await t.db.query<{ payload: { errorCode?: string } }>(
          `SELECT payload FROM ${t.schema('sms-dispatch')}.outbox_message WHERE topic = 'sms.failed.v1' AND published_at IS NOT NULL AND payload->>'to' = $1`,
          [caller],
        );
        return r.rows[0];
      },
      { what: 'sms.failed published' },
    );
    expect(failed.payload.errorCode).toBe('200');
  });

  it("takes an inbound text once, with Plivo's intent, onto sms.received.v1", async () => {
    const caller = newCaller();
    const first = await t.fake.receiveFromCustomer({ from: caller, to: business, text: 'HELP' });
    expect(first.status).toBe(200);
    const published = await eventually(
      async () => {
        const { rows } = await t.db.query<{
          payload: { from: string; text: string; carrierIntent?: string; locationId: string };
        }>(
          `SELECT payload FROM ${t.schema('conversation')}.outbox_message WHERE topic = 'sms.received.v1' AND published_at IS NOT NULL AND payload->>'from' = $1`,
          [caller],
        );
        return rows[0];
      },
      { what: 'sms.received.v1 published' },
    );
    expect(published.payload).toMatchObject({
      from: caller,
      text: 'HELP',
      carrierIntent: 'help',
      locationId: 'atlanta-north',
    });
  });

  it('applies delivery reports by Sequence: late and repeated ones change nothing', async () => {
    const caller = newCaller();
    const played = await call('missed', caller);
    await settled(played.callUuid);
    const text = await deliveredTextTo(caller);
    const { rows } = await t.db.query<{ sms_id: string; last_sequence: string }>(
      `SELECT sms_id, last_sequence FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
      [played.callUuid],
    );
    const row = rows[0]!;
    const { plivoSignatureHeaders } = await import('@textback/carrier-plivo');
    const report = async (
      status: string,
      sequence: number,
      extra: Record<string, string> = {},
      nonce = String(Date.now()) + String(sequence),
    ) => {
      const url = `${t.url('sms-dispatch')}/v1/plivo/sms/status?sendId=${row.sms_id}`;
      const params = {
        MessageUUID: text.uuid,
        Status: status,
        Sequence: String(sequence),
        From: text.from,
        To: text.to,
        ...extra,
      };
      return fetch(url, {
        method: 'POST',
        headers: {
          ...plivoSignatureHeaders({
            method: 'POST',
            url,
            params,
            authToken: secrets.PLIVO_AUTH_TOKEN,
            nonce,
            schemes: ['v2'],
          }),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(params).toString(),
      });
    };
    const reportRows = async (): Promise<number> => {
      const { rows: n } = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${t.schema('sms-dispatch')}.delivery_report WHERE message_uuid = $1`,
        [text.uuid],
      );
      return n[0]!.n;
    };
    const written = await reportRows();
    // An older report arriving late ("sent", before "delivered") does not undo delivery; a
    // queued/sent report about a send whose acceptance is recorded changes nothing, so it is
    // acknowledged without a write — and its replay is refused all the same.
    const lateNonce = `late-${Date.now()}`;
    const late = await report('sent', Number(row.last_sequence) - 1, {}, lateNonce);
    expect(late.status).toBe(200);
    expect(await reportRows()).toBe(written);
    const lateReplayed = await report('sent', Number(row.last_sequence) - 1, {}, lateNonce);
    expect(lateReplayed.status).toBe(409);
    // Plivo's retry of a report we already have: acknowledged as a duplicate.
    const again = await report('delivered', Number(row.last_sequence));
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    const older = await report('undelivered', 1, { ErrorCode: '30' });
    expect(older.status).toBe(200);
    const { rows: after } = await t.db.query(
      `SELECT state, last_status FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE sms_id = $1`,
      [row.sms_id],
    );
    expect(after[0]).toEqual({ state: 'delivered', last_status: 'delivered' });
    // A forged report is refused.
    const forged = await fetch(
      `${t.url('sms-dispatch')}/v1/plivo/sms/status?sendId=${row.sms_id}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-plivo-signature-v2': 'AAAA',
          'x-plivo-signature-v2-nonce': '1',
        },
        body: new URLSearchParams({
          MessageUUID: text.uuid,
          Status: 'failed',
          Sequence: '999',
        }).toString(),
      },
    );
    expect(forged.status).toBe(401);
  });

  it('uses a location configured through the admin API, with its own template and delay', async () => {
    const admin = {
      authorization: await t.adminAuthorization(),
      'content-type': 'application/json',
    };
    const gateway = t.url('gateway');
    const unauthorized = await fetch(
      `${gateway}/v1/admin/tenants/cool-breeze-hvac/locations/smyrna`,
      { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } },
    );
    expect(unauthorized.status).toBe(401);
    const bad = await fetch(`${gateway}/v1/admin/tenants/cool-breeze-hvac/locations/smyrna`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        name: 'Smyrna',
        businessNumbers: ['555'],
        forwardTo: '+17705550199',
        timezone: 'Mars/Olympus',
        template: 'Hi {{nope}}',
      }),
    });
    expect(bad.status).toBe(400);
    const reason = ((await bad.json()) as { message: string }).message;
    expect(reason).toMatch(/businessNumbers.0: is not a valid phone number/);
    expect(reason).toMatch(/timezone: is not an IANA time zone/);
    expect(reason).toMatch(/template: unknown variable \{\{nope\}\}/);
    const taken = await fetch(`${gateway}/v1/admin/tenants/cool-breeze-hvac/locations/smyrna`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        name: 'Smyrna',
        businessNumbers: ['+14045550100'],
        forwardTo: '+17705550199',
        timezone: 'America/New_York',
      }),
    });
    expect(taken.status).toBe(409);
    const created = await fetch(`${gateway}/v1/admin/tenants/cool-breeze-hvac/locations/smyrna`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        name: 'Smyrna',
        businessNumbers: ['(770) 555-0177'],
        forwardTo: '+17705550199',
        timezone: 'America/New_York',
        template: '{{business}} {{location}} here, sorry we missed you!',
        sendDelaySeconds: 1,
      }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      locationId: 'smyrna',
      version: 1,
      businessNumbers: ['+17705550177'],
      dedupeWindowMinutes: 1440,
    });
    await eventually(() => fetch(t.app().answer_url).then(() => true)); // any answer: the service is up
    await eventually(
      async () => {
        const { rows } = await t.db.query(
          `SELECT 1 FROM ${t.schema('call-ingest')}.location_directory WHERE location_id = 'smyrna'`,
        );
        const { rows: d } = await t.db.query(
          `SELECT 1 FROM ${t.schema('sms-dispatch')}.location_directory WHERE location_id = 'smyrna'`,
        );
        return rows.length > 0 && d.length > 0;
      },
      { what: 'the new location to reach the services' },
    );
    const caller = newCaller();
    const played = await playCallTo(t, { from: caller, to: '+17705550177' });
    expect(played.answerXml).toContain('<Number>17705550199</Number>');
    const decided = await t.decisionOf(played.callUuid);
    expect(decided.outcome).toBe('requested');
    const text = await deliveredTextTo(caller);
    expect(text.text).toBe(
      'Cool Breeze Heating & Air Smyrna here, sorry we missed you! Reply STOP to opt out.',
    );
    const { rows } = await t.db.query<{ delay: number }>(
      `SELECT extract(epoch FROM (send_after - decided_at))::float AS delay FROM ${t.schema('decision')}.textback_decision WHERE call_id = $1`,
      [played.callUuid],
    );
    expect(rows[0]!.delay).toBeCloseTo(1, 1);
  });

  it('exposes the pipeline metrics on /metrics, with no phone number in any label', async () => {
    const metricsOf = async (service: string): Promise<string> =>
      (await fetch(`${t.url(service)}/metrics`)).text();
    const expected: Record<string, RegExp[]> = {
      'call-ingest': [
        /call_ingest_calls_ended_total\{outcome="no-answer"/,
        /call_ingest_http_requests_total\{method="POST",route="\/v1\/plivo\/voice\/hangup",status="200"/,
        /call_ingest_http_request_duration_seconds_bucket/,
        /call_ingest_webhook_signature_failures_total\{route="\/v1\/plivo\/voice\/answer"/,
      ],
      decision: [
        /decision_textbacks_total\{outcome="requested",reason="none"/,
        /decision_textbacks_total\{outcome="suppressed",reason="spam-caller"/,
        /decision_consumer_handled_total\{topic="call.ended.v1"/,
        /decision_consumer_lag\{topic="call.ended.v1"[^}]*\} \d+/,
      ],
      'sms-dispatch': [
        /sms_dispatch_texts_total\{outcome="delivered",purpose="textback"/,
        /sms_dispatch_time_to_text_seconds_bucket/,
        /sms_dispatch_send_stage_seconds_bucket\{[^}]*stage="carrier"/,
        /sms_dispatch_carrier_sends_total\{result="accepted"/,
        /sms_dispatch_delivery_reports_total\{status="failed",error_code="200"/,
        /sms_dispatch_consumer_lag\{topic="textback.requested.v1"/,
      ],
      compliance: [/compliance_consumer_dead_lettered_total|compliance_consumer_handled_total/],
      conversation: [
        /conversation_lead_transitions_total\{status="new"[^}]*\} \d+/,
        /conversation_consumer_handled_total\{topic="sms.sent.v1"/,
        /conversation_http_requests_total/,
      ],
      reporting: [
        /reporting_consumer_handled_total\{topic="call.ended.v1"/,
        /reporting_consumer_lag\{topic="sms.sent.v1"/,
        /reporting_read_model_waiting_facts\{[^}]*\} 0/,
      ],
      gateway: [
        /gateway_process_cpu_user_seconds_total/,
        /gateway_http_requests_total|gateway_nodejs_eventloop_lag_seconds/,
      ],
    };
    for (const [service, patterns] of Object.entries(expected)) {
      // Counters of work still settling (a batch's pause, a lag poll) may take a moment.
      const text = await eventually(
        async () => {
          const now = await metricsOf(service);
          return patterns.every((p) => p.test(now)) ? now : undefined;
        },
        { what: `${service}'s metrics`, timeoutMs: 10_000 },
      ).catch(() => metricsOf(service));
      for (const p of patterns) expect(text).toMatch(p);
      expect(text).not.toMatch(/\+?1404555\d{4}/);
    }
  });
});
