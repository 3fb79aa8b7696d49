import { randomUUID } from 'node:crypto';
import { signCallEvent } from '@textback/call-ingest';
import { EventBus, InProcessTransport, type DeliveredMessage } from '@textback/messaging';
import { playCall } from '@textback/plivo-fake';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from './test-platform';

/**
 * Regression tests of issue #11 (the hostile-input trial and the code review): each `describe`
 * names the item it covers. One platform (in-process transport, real PostgreSQL).
 */
describe('refuse what must be refused, lose nothing (#11)', () => {
  let t: TestPlatform;
  let bus: EventBus;
  const deadLetters: DeliveredMessage[] = [];
  const admin = { authorization: `Bearer ${secrets.ADMIN_API_KEY}`, 'content-type': 'application/json' };
  const atlantaNorth = '+14045550100';
  let next = 1000 + Math.floor(Math.random() * 8000);
  const newCaller = (): string => `+1678555${String(next++ % 10_000).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'hostile', env: { CONSUMER_RETRY_INITIAL_MS: '50', CONSUMER_RETRY_MAX_MS: '100' } });
    const transport = new InProcessTransport(t.platform.broker!);
    bus = new EventBus({ service: 'test-intruder', transport });
    await bus.start();
    await transport.consume({ groupId: 'test-dlt-reader', topics: ['call.ended.v1.dlt', 'textback.requested.v1.dlt', 'sms.reply-requested.v1.dlt'] }, async (m) => {
      deadLetters.push(m);
    });
  }, 120_000);

  afterAll(async () => {
    await bus?.stop();
    await t?.stop();
  });

  const postCallEvent = async (body: object): Promise<Response> => {
    const raw = JSON.stringify(body);
    return fetch(`${t.url('call-ingest')}/v1/call-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-textback-signature': signCallEvent(secrets.CALL_EVENTS_SIGNING_SECRET, raw, Math.floor(Date.now() / 1000)) },
      body: raw,
    });
  };
  const optOut = (tenantId: string, caller: string) =>
    fetch(`${t.url('compliance')}/v1/consent/${tenantId}/${encodeURIComponent(caller)}/opt-out`, { method: 'POST', headers: admin, body: JSON.stringify({ actor: 'test', reason: 'asked' }) });
  const consentOf = async (tenantId: string, caller: string) =>
    (await (await fetch(`${t.url('compliance')}/v1/consent/${tenantId}/${encodeURIComponent(caller)}`, { headers: admin })).json()) as { state: string; history: { source: string; detail: string }[] };
  const missedCall = (caller: string, to = atlantaNorth) =>
    playCall({ answerUrl: t.app().answer_url, hangupUrl: t.app().hangup_url, authToken: secrets.PLIVO_AUTH_TOKEN, from: caller, to, scenario: 'missed' });
  const ourTextsTo = (caller: string) => t.fake.sentTo(caller).filter((m) => m.origin === 'api');

  describe('item 1: a signed call event cannot cross tenants', () => {
    const event = (o: { tenantId: string; locationId: string; businessNumber: string; callerNumber: string }) => ({
      callId: randomUUID(),
      ...o,
      outcome: 'no-answer',
      endedAt: new Date().toISOString(),
    });

    it.each([
      ['a location and number of another tenant', { tenantId: 'happy-paws-vet', locationId: 'atlanta-north', businessNumber: atlantaNorth }, 'locationId: location atlanta-north does not belong to tenant happy-paws-vet'],
      ["its own location with a third tenant's number", { tenantId: 'cool-breeze-hvac', locationId: 'atlanta-north', businessNumber: '+13035550130' }, 'businessNumber'],
      ['a number no location owns', { tenantId: 'cool-breeze-hvac', locationId: 'atlanta-north', businessNumber: '+12125550000' }, 'businessNumber'],
    ])('call-ingest refuses %s with 403 and its reason, and counts it', async (_, o, reason) => {
      const caller = newCaller();
      // The caller opted out at cool-breeze: the trial texted them anyway, in cool-breeze's name.
      expect((await optOut('cool-breeze-hvac', caller)).status).toBe(201);
      const body = event({ ...o, callerNumber: caller });
      const res = await postCallEvent(body);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'forbidden', message: expect.stringContaining(reason) });
      const { rows } = await t.db.query(`SELECT 1 FROM ${t.schema('call-ingest')}.call_event WHERE call_id = $1`, [body.callId]);
      expect(rows).toHaveLength(0);
      const metrics = await (await fetch(`${t.url('call-ingest')}/metrics`)).text();
      expect(metrics).toMatch(/call_ingest_call_events_refused_total\{reason="(tenant-mismatch|number-not-at-location)"[^}]*\} [1-9]/);
    });

    it('decision and sms-dispatch refuse an event whose tenant or sender disagrees with the location (dead letter with the reason)', async () => {
      const caller = newCaller();
      const callId = randomUUID();
      await bus.publish('call.ended.v1', `atlanta-north:${caller}`, {
        callId, provider: 'generic', tenantId: 'happy-paws-vet' as never, locationId: 'atlanta-north' as never, businessNumber: atlantaNorth as never, callerNumber: caller as never, outcome: 'no-answer', endedAt: new Date().toISOString(),
      });
      const requested = { textbackId: randomUUID(), callId: randomUUID(), tenantId: 'cool-breeze-hvac' as never, locationId: 'atlanta-north' as never, from: '+12125550000' as never, to: caller as never, sendAfter: new Date().toISOString(), callEndedAt: new Date().toISOString() };
      await bus.publish('textback.requested.v1', `atlanta-north:${caller}`, requested);
      await bus.publish('sms.reply-requested.v1', `atlanta-north:${caller}`, {
        replyId: randomUUID(), tenantId: 'happy-paws-vet' as never, locationId: 'atlanta-north' as never, from: atlantaNorth as never, to: caller as never, text: 'hi', purpose: 'operator', requestedAt: new Date().toISOString(),
      });
      const reasons = await eventually(() => {
        const mine = deadLetters.filter((m) => m.value.includes(caller));
        return mine.length === 3 ? mine.map((m) => `${m.topic}: ${m.headers['dlt-error-code']} ${m.headers['dlt-error']}`).sort() : undefined;
      }, { what: 'three dead letters', timeoutMs: 15_000 });
      expect(reasons).toEqual([
        'call.ended.v1.dlt: location-mismatch location atlanta-north belongs to tenant cool-breeze-hvac, not happy-paws-vet',
        'sms.reply-requested.v1.dlt: location-mismatch location atlanta-north belongs to tenant cool-breeze-hvac, not happy-paws-vet',
        expect.stringMatching(/^textback\.requested\.v1\.dlt: location-mismatch sender \+1\*+00 is not a business number of location atlanta-north$/),
      ]);
      // Refused at once: not retried (the error is not retryable).
      for (const m of deadLetters.filter((d) => d.value.includes(caller))) expect(m.headers['dlt-attempts']).toBe('1');
      const { rows } = await t.db.query(`SELECT 1 FROM ${t.schema('decision')}.textback_decision WHERE call_id = $1`, [callId]);
      expect(rows).toHaveLength(0);
      expect(ourTextsTo(caller)).toEqual([]);
    });
  });

  describe('item 2: an inbound text is never lost', () => {
    it.each([
      ['an emoji at the 1,600th unit', `${'a'.repeat(1599)}😀 and the rest of a long story`, 'a'.repeat(1599)],
      ['a NUL and a bell', 'my unit\u0000 is out\u0007!', 'my unit\uFFFD is out\uFFFD!'],
    ])('%s is stored, published and shown in its thread', async (_, text, shown) => {
      const caller = newCaller();
      const received = await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text });
      expect(received.status).toBe(200);
      const { rows } = await t.db.query<{ body: string }>(`SELECT body FROM ${t.schema('conversation')}.inbound_message WHERE message_uuid = $1`, [received.messageUuid]);
      expect(rows[0]?.body.length).toBe(text.toWellFormed().length); // the whole text, cleaned, not cut
      const thread = await eventually(async () => {
        const { rows: threads } = await t.db.query<{ thread_id: string }>(`SELECT thread_id FROM ${t.schema('conversation')}.thread WHERE customer_number = $1`, [caller]);
        if (!threads[0]) return undefined;
        return (await (await fetch(`${t.url('conversation')}/v1/inbox/threads/${threads[0].thread_id}`, { headers: admin })).json()) as { messages: { body: string }[] };
      }, { what: 'the thread of the text' });
      expect(thread.messages.map((m) => m.body)).toEqual([shown]);
    });
  });

  describe('item 0: opt-outs are honoured', () => {
    it.each([
      ['STOP texting me please', 'keyword', 'STOP (keyword-led)'],
      ['PARAR', 'keyword', 'PARAR'],
      ['No más', 'keyword', 'NO MAS'],
      ['no quiero recibir más mensajes', 'plain-words', 'es-no-quiero-mensajes'],
    ])('"%s" opts the sender out (%s)', async (text, source, detail) => {
      const caller = newCaller();
      expect((await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text })).status).toBe(200);
      // Recorded before the acknowledgement: no waiting for a consumer.
      expect(await consentOf('cool-breeze-hvac', caller)).toMatchObject({ state: 'opted-out', history: [{ source, detail }] });
    });

    it.each(['quiero cancelar mi cita', 'stop by tomorrow?'])('"%s" does not', async (text) => {
      const caller = newCaller();
      expect((await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text })).status).toBe(200);
      expect((await consentOf('cool-breeze-hvac', caller)).state).toBe('no-record');
    });

    it("honours Plivo's MessageIntent opt-out where our words did not match", async () => {
      const caller = newCaller();
      expect((await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'ARRET', intent: 'optout' })).status).toBe(200);
      expect(await consentOf('cool-breeze-hvac', caller)).toMatchObject({ state: 'opted-out', history: [{ source: 'carrier-intent', detail: 'optout' }] });
      const call = await missedCall(caller, '+17705550120');
      expect(await t.decisionOf(call.callUuid)).toEqual({ outcome: 'suppressed', reason: 'opted-out' });
    });

    it('answers AYUDA in Spanish with the frequency line', async () => {
      const caller = newCaller();
      await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'ayuda' });
      const reply = await eventually(() => ourTextsTo(caller)[0], { what: 'the HELP reply' });
      expect(reply.text).toContain('Frecuencia de mensajes variable');
    });

    it('a text queued before a STOP does not go out after the STOP was acknowledged, even while consumers lag', async () => {
      // A location that waits before texting, so the text is queued when the STOP comes.
      const created = await fetch(`${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/locations/roswell`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({ name: 'Roswell', businessNumbers: ['+17705550161'], forwardTo: '+17705550199', timezone: 'America/New_York', sendDelaySeconds: 2 }),
      });
      expect(created.status).toBe(201);
      await eventually(async () => {
        for (const s of ['call-ingest', 'decision', 'sms-dispatch', 'conversation', 'compliance']) {
          const { rows } = await t.db.query(`SELECT 1 FROM ${t.schema(s)}.location_directory WHERE location_id = 'roswell'`);
          if (rows.length === 0) return false;
        }
        return true;
      }, { what: 'roswell everywhere' });
      const caller = newCaller();
      const call = await missedCall(caller, '+17705550161');
      expect((await t.decisionOf(call.callUuid)).outcome).toBe('requested');
      await eventually(async () => {
        const { rows } = await t.db.query(`SELECT 1 FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1 AND state = 'pending'`, [call.callUuid]);
        return rows.length === 1;
      }, { what: 'the queued text' });
      // Compliance's consumers lag behind (a broker backlog): only the synchronous path can record the STOP.
      const compliance = t.platform.services.get('compliance')!.app.get<ServiceRuntime>(RUNTIME);
      await compliance.bus.stop();
      try {
        const ack = await t.fake.receiveFromCustomer({ from: caller, to: '+17705550161', text: 'Stop' });
        expect(ack.status).toBe(200);
        const sms = await eventually(async () => {
          const { rows } = await t.db.query<{ state: string; error_reason: string }>(`SELECT state, error_reason FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1 AND state <> 'pending'`, [call.callUuid]);
          return rows[0];
        }, { what: 'the queued text to be settled', timeoutMs: 15_000 });
        expect(sms).toEqual({ state: 'suppressed', error_reason: 'opted out before the send' });
        expect(ourTextsTo(caller)).toEqual([]);
      } finally {
        await compliance.bus.start();
      }
    });
  });
});
