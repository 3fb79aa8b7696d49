import { randomUUID } from 'node:crypto';
import { EventBus, InProcessTransport, type DeliveredMessage } from '@textback/messaging';
import { playCall, postVoiceWebhook } from '@textback/plivo-fake';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { FIND_SENDS } from '@textback/sms-dispatch';
import { LocationDirectory } from '@textback/tenancy';
import { eventually } from '@textback/testing';
import {
  postCallEvent as postSignedCallEvent,
  secrets,
  startTestPlatform,
  type TestPlatform,
} from './test-platform';

/**
 * Regression tests of issue #11 (the hostile-input trial and the code review): each `describe`
 * names the item it covers. One platform (in-process transport, real PostgreSQL).
 */
describe('refuse what must be refused, lose nothing (#11)', () => {
  let t: TestPlatform;
  let bus: EventBus;
  const deadLetters: DeliveredMessage[] = [];
  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };
  const atlantaNorth = '+14045550100';
  let next = 1000 + Math.floor(Math.random() * 8000);
  const newCaller = (): string => `+1678555${String(next++ % 10_000).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'hostile',
      env: { CONSUMER_RETRY_INITIAL_MS: '50', CONSUMER_RETRY_MAX_MS: '100' },
    });
    admin.authorization = await t.adminAuthorization();
    const transport = new InProcessTransport(t.platform.broker!);
    bus = new EventBus({ service: 'test-intruder', transport });
    await bus.start();
    await transport.consume(
      {
        groupId: 'test-dlt-reader',
        topics: ['call.ended.v1.dlt', 'textback.requested.v1.dlt', 'sms.reply-requested.v1.dlt'],
      },
      async (batch) => {
        deadLetters.push(...batch);
      },
    );
  }, 120_000);

  afterAll(async () => {
    await bus?.stop();
    await t?.stop();
  });

  const postCallEvent = (body: object): Promise<Response> =>
    postSignedCallEvent(t.url('call-ingest'), body);
  const optOut = (tenantId: string, caller: string) =>
    fetch(`${t.url('compliance')}/v1/consent/${tenantId}/${encodeURIComponent(caller)}/opt-out`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ actor: 'test', reason: 'asked' }),
    });
  const consentOf = async (tenantId: string, caller: string) =>
    (await (
      await fetch(`${t.url('compliance')}/v1/consent/${tenantId}/${encodeURIComponent(caller)}`, {
        headers: admin,
      })
    ).json()) as { state: string; history: { source: string; detail: string }[] };
  const missedCall = (caller: string, to = atlantaNorth) =>
    playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to,
      scenario: 'missed',
    });
  const ourTextsTo = (caller: string) => t.fake.sentTo(caller).filter((m) => m.origin === 'api');

  describe('item 1: a signed call event cannot cross tenants', () => {
    const event = (o: {
      tenantId: string;
      locationId: string;
      businessNumber: string;
      callerNumber: string;
    }) => ({
      callId: randomUUID(),
      ...o,
      outcome: 'no-answer',
      endedAt: new Date().toISOString(),
    });

    it.each([
      [
        'a location and number of another tenant',
        { tenantId: 'happy-paws-vet', locationId: 'atlanta-north', businessNumber: atlantaNorth },
        'locationId: location atlanta-north does not belong to tenant happy-paws-vet',
      ],
      [
        "its own location with a third tenant's number",
        {
          tenantId: 'cool-breeze-hvac',
          locationId: 'atlanta-north',
          businessNumber: '+13035550130',
        },
        'businessNumber',
      ],
      [
        'a number no location owns',
        {
          tenantId: 'cool-breeze-hvac',
          locationId: 'atlanta-north',
          businessNumber: '+12125550000',
        },
        'businessNumber',
      ],
    ])('call-ingest refuses %s with 403 and its reason, and counts it', async (_, o, reason) => {
      const caller = newCaller();
      // The caller opted out at cool-breeze: the trial texted them anyway, in cool-breeze's name.
      expect((await optOut('cool-breeze-hvac', caller)).status).toBe(201);
      const body = event({ ...o, callerNumber: caller });
      const res = await postCallEvent(body);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: 'forbidden',
        message: expect.stringContaining(reason),
      });
      const { rows } = await t.db.query(
        `SELECT 1 FROM ${t.schema('call-ingest')}.call_event WHERE call_id = $1`,
        [body.callId],
      );
      expect(rows).toHaveLength(0);
      const metrics = await (await fetch(`${t.url('call-ingest')}/metrics`)).text();
      expect(metrics).toMatch(
        /call_ingest_call_events_refused_total\{reason="(tenant-mismatch|number-not-at-location)"[^}]*\} [1-9]/,
      );
    });

    it("takes a tenant's own credential (call-events:write) for its locations only (#15 item 4)", async () => {
      const key = await fetch(`${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/api-keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          name: 'phone system',
          permissions: ['call-events:write'],
          locationIds: ['atlanta-north'],
        }),
      });
      expect(key.status).toBe(201);
      const exchanged = await fetch(`${t.url('gateway')}/v1/auth/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${((await key.json()) as { key: string }).key}` },
      });
      const { access_token: token } = (await exchanged.json()) as { access_token: string };
      const post = (body: object, authorization = `Bearer ${token}`) =>
        fetch(`${t.url('call-ingest')}/v1/call-events`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const own = event({
        tenantId: 'cool-breeze-hvac',
        locationId: 'atlanta-north',
        businessNumber: atlantaNorth,
        callerNumber: newCaller(),
      });
      expect((await post(own)).status).toBe(202);
      const otherTenant = await post(
        event({
          tenantId: 'bright-smile-dental',
          locationId: 'denver-downtown',
          businessNumber: '+13035550130',
          callerNumber: newCaller(),
        }),
      );
      expect(otherTenant.status).toBe(403);
      expect(await otherTenant.json()).toEqual({
        error: 'forbidden',
        message: 'this credential is for tenant cool-breeze-hvac only',
      });
      const otherLocation = await post(
        event({
          tenantId: 'cool-breeze-hvac',
          locationId: 'atlanta-south',
          businessNumber: '+14045550110',
          callerNumber: newCaller(),
        }),
      );
      expect(otherLocation.status).toBe(403);
      // An operator's token has no call-events:write; a made-up token is no credential.
      expect((await post(own, admin.authorization)).status).toBe(202); // a platform admin may
      expect((await post({ ...own, callId: randomUUID() }, 'Bearer a.b.c')).status).toBe(401);
    });

    it('decision and sms-dispatch refuse an event whose tenant or sender disagrees with the location (dead letter with the reason)', async () => {
      const caller = newCaller();
      const callId = randomUUID();
      await bus.publish('call.ended.v1', `atlanta-north:${caller}`, {
        callId,
        provider: 'generic',
        tenantId: 'happy-paws-vet' as never,
        locationId: 'atlanta-north' as never,
        businessNumber: atlantaNorth as never,
        callerNumber: caller as never,
        outcome: 'no-answer',
        endedAt: new Date().toISOString(),
      });
      const requested = {
        textbackId: randomUUID(),
        callId: randomUUID(),
        tenantId: 'cool-breeze-hvac' as never,
        locationId: 'atlanta-north' as never,
        from: '+12125550000' as never,
        to: caller as never,
        sendAfter: new Date().toISOString(),
        callEndedAt: new Date().toISOString(),
      };
      await bus.publish('textback.requested.v1', `atlanta-north:${caller}`, requested);
      await bus.publish('sms.reply-requested.v1', `atlanta-north:${caller}`, {
        replyId: randomUUID(),
        tenantId: 'happy-paws-vet' as never,
        locationId: 'atlanta-north' as never,
        from: atlantaNorth as never,
        to: caller as never,
        text: 'hi',
        purpose: 'operator',
        requestedAt: new Date().toISOString(),
      });
      const reasons = await eventually(
        () => {
          const mine = deadLetters.filter((m) => m.value.includes(caller));
          return mine.length === 3
            ? mine
                .map((m) => `${m.topic}: ${m.headers['dlt-error-code']} ${m.headers['dlt-error']}`)
                .sort()
            : undefined;
        },
        { what: 'three dead letters', timeoutMs: 15_000 },
      );
      expect(reasons).toEqual([
        'call.ended.v1.dlt: location-mismatch location atlanta-north belongs to tenant cool-breeze-hvac, not happy-paws-vet',
        'sms.reply-requested.v1.dlt: location-mismatch location atlanta-north belongs to tenant cool-breeze-hvac, not happy-paws-vet',
        expect.stringMatching(
          /^textback\.requested\.v1\.dlt: location-mismatch sender \+1\*+00 is not a business number of location atlanta-north$/,
        ),
      ]);
      // Refused at once: not retried (the error is not retryable).
      for (const m of deadLetters.filter((d) => d.value.includes(caller)))
        expect(m.headers['dlt-attempts']).toBe('1');
      const { rows } = await t.db.query(
        `SELECT 1 FROM ${t.schema('decision')}.textback_decision WHERE call_id = $1`,
        [callId],
      );
      expect(rows).toHaveLength(0);
      expect(ourTextsTo(caller)).toEqual([]);
    });
  });

  describe('item 2: an inbound text is never lost', () => {
    it.each([
      [
        'an emoji at the 1,600th unit',
        `${'a'.repeat(1599)}😀 and the rest of a long story`,
        'a'.repeat(1599),
      ],
      ['a NUL and a bell', 'my unit\u0000 is out\u0007!', 'my unit\uFFFD is out\uFFFD!'],
    ])('%s is stored, published and shown in its thread', async (_, text, shown) => {
      const caller = newCaller();
      const received = await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text });
      expect(received.status).toBe(200);
      const { rows } = await t.db.query<{ body: string }>(
        `SELECT body FROM ${t.schema('conversation')}.inbound_message WHERE message_uuid = $1`,
        [received.messageUuid],
      );
      expect(rows[0]?.body.length).toBe(text.toWellFormed().length); // the whole text, cleaned, not cut
      const thread = await eventually(
        async () => {
          const { rows: threads } = await t.db.query<{ thread_id: string }>(
            `SELECT thread_id FROM ${t.schema('conversation')}.thread WHERE customer_number = $1`,
            [caller],
          );
          if (!threads[0]) return undefined;
          return (await (
            await fetch(
              `${t.url('conversation')}/v1/inbox/threads/${threads[0].thread_id}?tenantId=cool-breeze-hvac`,
              {
                headers: admin,
              },
            )
          ).json()) as { messages: { body: string; direction: string }[] };
        },
        { what: 'the thread of the text' },
      );
      // The customer's text (the automation's question may already follow it).
      expect(thread.messages.filter((m) => m.direction === 'inbound').map((m) => m.body)).toEqual([
        shown,
      ]);
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
      expect(
        (await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text })).status,
      ).toBe(200);
      // Recorded before the acknowledgement: no waiting for a consumer.
      expect(await consentOf('cool-breeze-hvac', caller)).toMatchObject({
        state: 'opted-out',
        history: [{ source, detail }],
      });
    });

    it.each(['quiero cancelar mi cita', 'stop by tomorrow?'])('"%s" does not', async (text) => {
      const caller = newCaller();
      expect(
        (await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text })).status,
      ).toBe(200);
      expect((await consentOf('cool-breeze-hvac', caller)).state).toBe('no-record');
    });

    it("honours Plivo's MessageIntent opt-out where our words did not match", async () => {
      const caller = newCaller();
      expect(
        (
          await t.fake.receiveFromCustomer({
            from: caller,
            to: atlantaNorth,
            text: 'ARRET',
            intent: 'optout',
          })
        ).status,
      ).toBe(200);
      expect(await consentOf('cool-breeze-hvac', caller)).toMatchObject({
        state: 'opted-out',
        history: [{ source: 'carrier-intent', detail: 'optout' }],
      });
      const call = await missedCall(caller, '+17705550120');
      expect(await t.decisionOf(call.callUuid)).toEqual({
        outcome: 'suppressed',
        reason: 'opted-out',
      });
    });

    it('answers AYUDA in Spanish with the frequency line', async () => {
      const caller = newCaller();
      await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'ayuda' });
      const reply = await eventually(() => ourTextsTo(caller)[0], { what: 'the HELP reply' });
      expect(reply.text).toContain('Frecuencia de mensajes variable');
    });

    it('a text queued before a STOP does not go out after the STOP was acknowledged, even while consumers lag', async () => {
      // A location that waits before texting, so the text is queued when the STOP comes.
      const created = await fetch(
        `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/locations/roswell`,
        {
          method: 'PUT',
          headers: admin,
          body: JSON.stringify({
            name: 'Roswell',
            businessNumbers: ['+17705550161'],
            forwardTo: '+17705550199',
            timezone: 'America/New_York',
            sendDelaySeconds: 2,
          }),
        },
      );
      expect(created.status).toBe(201);
      await eventually(
        async () => {
          for (const s of [
            'call-ingest',
            'decision',
            'sms-dispatch',
            'conversation',
            'compliance',
          ]) {
            const { rows } = await t.db.query(
              `SELECT 1 FROM ${t.schema(s)}.location_directory WHERE location_id = 'roswell'`,
            );
            if (rows.length === 0) return false;
          }
          return true;
        },
        { what: 'roswell everywhere' },
      );
      const caller = newCaller();
      const call = await missedCall(caller, '+17705550161');
      expect((await t.decisionOf(call.callUuid)).outcome).toBe('requested');
      await eventually(
        async () => {
          const { rows } = await t.db.query(
            `SELECT 1 FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1 AND state = 'pending'`,
            [call.callUuid],
          );
          return rows.length === 1;
        },
        { what: 'the queued text' },
      );
      // Compliance's consumers lag behind (a broker backlog): only the synchronous path can record the STOP.
      const compliance = t.platform.services.get('compliance')!.app.get<ServiceRuntime>(RUNTIME);
      await compliance.bus.stop();
      try {
        const ack = await t.fake.receiveFromCustomer({
          from: caller,
          to: '+17705550161',
          text: 'Stop',
        });
        expect(ack.status).toBe(200);
        const sms = await eventually(
          async () => {
            const { rows } = await t.db.query<{ state: string; error_reason: string }>(
              `SELECT state, error_reason FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1 AND state NOT IN ('pending', 'sending')`,
              [call.callUuid],
            );
            return rows[0];
          },
          { what: 'the queued text to be settled', timeoutMs: 15_000 },
        );
        expect(sms).toEqual({ state: 'suppressed', error_reason: 'opted out before the send' });
        expect(ourTextsTo(caller)).toEqual([]);
      } finally {
        await compliance.bus.start();
      }
    });
  });

  describe('item 3: who may ask why a caller was (not) texted', () => {
    it('GET /v1/decisions/{callId} needs the operator key', async () => {
      const call = await missedCall(newCaller());
      await t.decisionOf(call.callUuid);
      const path = `/v1/decisions/${call.callUuid}?tenantId=cool-breeze-hvac`;
      expect((await fetch(`${t.url('decision')}${path}`)).status).toBe(401);
      const res = await fetch(`${t.url('decision')}${path}`, { headers: admin });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        callId: call.callUuid,
        caller: expect.stringMatching(/^\+1\*+\d\d$/),
      });
    });
  });

  /** A thread made by an inbound text (the customer's first message). */
  const threadOf = async (caller: string, text = 'Is anyone there?'): Promise<string> => {
    await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text });
    return eventually(
      async () => {
        const { rows } = await t.db.query<{ thread_id: string }>(
          `SELECT thread_id FROM ${t.schema('conversation')}.thread WHERE customer_number = $1`,
          [caller],
        );
        return rows[0]?.thread_id;
      },
      { what: 'the thread' },
    );
  };
  const inbox = (path: string, body?: unknown) =>
    fetch(`${t.url('conversation')}/v1/inbox${path}?tenantId=cool-breeze-hvac`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: admin,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  describe('item 4: the inbox refuses what would corrupt a report or reach a customer blank', () => {
    it('refuses a negative booking value and a blank reply, naming the field', async () => {
      const thread = await threadOf(newCaller());
      const negative = await inbox(`/threads/${thread}/book`, {
        value: { amountMinor: -5000, currency: 'USD' },
      });
      expect(negative.status).toBe(400);
      expect(await negative.json()).toEqual({
        error: 'invalid-request',
        message: 'value.amountMinor: must not be negative',
      });
      const blank = await inbox(`/threads/${thread}/reply`, { text: ' \n\t ' });
      expect(blank.status).toBe(400);
      expect(await blank.json()).toEqual({
        error: 'invalid-request',
        message: 'text: must not be blank',
      });
    });
  });

  describe('item 5: no request to a private address (SSRF)', () => {
    const putLocation = (body: object) =>
      fetch(`${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/locations/ssrf-probe`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({
          name: 'Probe',
          businessNumbers: ['+17705550171'],
          forwardTo: '+17705550199',
          timezone: 'America/New_York',
          ...body,
        }),
      });

    it.each([
      [
        'http://169.254.169.254/latest/meta-data/',
        /onCallWebhookUrl: 169\.254\.169\.254 is in the linkLocal range/,
      ],
      ['https://10.0.0.1/hook', /onCallWebhookUrl: 10\.0\.0\.1 is in the private range/],
      ['https://[fd00::1]/hook', /onCallWebhookUrl: fd00::1 is in the uniqueLocal range/],
      ['file:///etc/passwd', /onCallWebhookUrl: must be an http\(s\) URL/],
    ])('the on-call webhook %s is refused when saved', async (url, reason) => {
      const res = await putLocation({ onCallWebhookUrl: url });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(reason);
    });

    it.each([
      ['file:///etc/passwd', /url: must be an https URL \(got file\)/],
      [
        'http://169.254.169.254/latest/meta-data/iam/',
        /url: 169\.254\.169\.254 is in the linkLocal range/,
      ],
      ['https://192.168.0.10/crm', /url: 192\.168\.0\.10 is in the private range/],
    ])('a CRM endpoint %s is refused when saved', async (url, reason) => {
      const res = await fetch(`${t.url('conversation')}/v1/crm/endpoints/cool-breeze-hvac`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({ url, secret: 'crm-secret-0123456789' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(reason);
    });

    it('a CRM URL that became forbidden after it was saved is refused at delivery, dead at once with the reason', async () => {
      // Saved while allowed (its secret sealed), then the address became a private one.
      const saved = await fetch(`${t.url('conversation')}/v1/crm/endpoints/happy-paws-vet`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({
          url: 'https://93.184.216.34/hook',
          secret: 'crm-secret-0123456789',
        }),
      });
      expect(saved.status).toBe(204);
      await t.db.query(
        `UPDATE ${t.schema('conversation')}.crm_endpoint SET url = 'http://10.0.0.1/hook' WHERE tenant_id = 'happy-paws-vet'`,
      );
      const caller = newCaller();
      await t.fake.receiveFromCustomer({
        from: caller,
        to: '+15125550150',
        text: 'my dog is limping',
      });
      const delivery = await eventually(
        async () => {
          const { rows } = await t.db.query<{ status: string; last_error: string }>(
            `SELECT status, last_error FROM ${t.schema('conversation')}.crm_delivery WHERE tenant_id = 'happy-paws-vet' AND status = 'dead'`,
          );
          return rows[0];
        },
        { what: 'the refused delivery' },
      );
      expect(delivery).toEqual({
        status: 'dead',
        last_error: 'egress refused: 10.0.0.1 is in the private range',
      });
    });

    it('an on-call webhook that became forbidden is refused at delivery (counted), and the SMS alert still goes', async () => {
      // A profile stored before this check existed (written straight into conversation's copy).
      await t.db.query(
        `UPDATE ${t.schema('conversation')}.location_directory SET profile = jsonb_set(profile, '{onCallWebhookUrl}', '"http://169.254.169.254/latest/meta-data/"') WHERE location_id = 'atlanta-north'`,
      );
      const directory = t.platform.services.get('conversation')!.app.get(LocationDirectory);
      await directory.reload();
      try {
        const caller = newCaller();
        const call = await missedCall(caller);
        await t.decisionOf(call.callUuid);
        await eventually(() => ourTextsTo(caller)[0], { what: 'the text-back' });
        await t.fake.receiveFromCustomer({
          from: caller,
          to: atlantaNorth,
          text: 'AC is out and it is 95 degrees, 30301',
        });
        await eventually(
          async () =>
            /conversation_on_call_webhooks_total\{result="refused"[^}]*\} [1-9]/.test(
              await (await fetch(`${t.url('conversation')}/metrics`)).text(),
            ),
          { what: 'the refused webhook' },
        );
        await eventually(
          () => t.fake.sentTo('+14045550178').some((m) => m.text.startsWith('URGENT')),
          { what: 'the on-call SMS' },
        );
      } finally {
        await t.db.query(
          `UPDATE ${t.schema('conversation')}.location_directory SET profile = profile - 'onCallWebhookUrl' WHERE location_id = 'atlanta-north'`,
        );
        await directory.reload();
      }
    });
  });

  describe('item 6: only http(s) links go into texts', () => {
    it.each([
      'javascript:alert(document.cookie)',
      'data:text/html,hi',
      'ftp://coolbreeze.example/book',
    ])('bookingUrl %s is refused', async (url) => {
      const res = await fetch(
        `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/locations/link-probe`,
        {
          method: 'PUT',
          headers: admin,
          body: JSON.stringify({
            name: 'Probe',
            businessNumbers: ['+17705550172'],
            forwardTo: '+17705550199',
            timezone: 'America/New_York',
            bookingUrl: url,
          }),
        },
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/^bookingUrl: /);
    });
  });

  describe('item 7: CSV exports cannot carry live formulas', () => {
    it('neutralises an actor and a reason starting a formula; numbers round-trip', async () => {
      const caller = newCaller();
      const res = await fetch(
        `${t.url('compliance')}/v1/consent/cool-breeze-hvac/${encodeURIComponent(caller)}/opt-out`,
        {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ actor: "=cmd|' /C calc'!A0", reason: '@SUM(1+1)' }),
        },
      );
      expect(res.status).toBe(201);
      const csv = await (
        await fetch(
          `${t.url('compliance')}/v1/consent/cool-breeze-hvac/export?format=csv&phone=${encodeURIComponent(caller)}`,
          { headers: admin },
        )
      ).text();
      const { parse } = await import('csv-parse/sync');
      const [row] = parse(csv, { columns: true }) as Record<string, string>[];
      expect(row).toMatchObject({
        phoneNumber: caller,
        actor: "'=cmd|' /C calc'!A0",
        reason: "'@SUM(1+1)",
      });
    });
  });

  describe('item 8: ordinary bad input is a 400 naming the field, never a 500', () => {
    const tenant = '?tenantId=cool-breeze-hvac';
    it.each([
      ['GET', `/v1/inbox/threads/not-a-uuid${tenant}`, undefined, /^threadId: must be a UUID$/],
      ['POST', `/v1/inbox/threads/not-a-uuid/reply${tenant}`, { text: 'hi' }, /^threadId: /],
      ['POST', `/v1/inbox/threads/not-a-uuid/assign${tenant}`, { assignee: null }, /^threadId: /],
      ['POST', `/v1/inbox/threads/not-a-uuid/close${tenant}`, { outcome: 'lost' }, /^threadId: /],
      ['POST', `/v1/inbox/threads/not-a-uuid/book${tenant}`, {}, /^threadId: /],
      // Every thread route names its tenant.
      ['GET', `/v1/inbox/threads/${randomUUID()}`, undefined, /^tenantId: is required$/],
      ['POST', `/v1/crm/deliveries/not-a-uuid/retry${tenant}`, undefined, /^deliveryId: /],
      [
        'GET',
        '/v1/inbox/response-times?tenantId=cool-breeze-hvac&since=-271821-04-20',
        undefined,
        /^since: /,
      ],
      ['GET', `/v1/inbox/threads?tenantId=${'a'.repeat(3000)}`, undefined, /^tenantId: /],
    ])('conversation %s %#', async (method, path, body, reason) => {
      const res = await fetch(`${t.url('conversation')}${path}`, {
        method,
        headers: admin,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(reason);
    });

    it('refuses NUL in admin, consent, inbox and API-key strings', async () => {
      const thread = await threadOf(newCaller());
      const cases: [string, string, string, object][] = [
        [
          t.url('gateway'),
          'PUT',
          '/v1/admin/tenants/nul-probe',
          { brandName: 'Nul\u0000Co', vertical: 'hvac' },
        ],
        [
          t.url('compliance'),
          'POST',
          `/v1/consent/cool-breeze-hvac/${encodeURIComponent(newCaller())}/opt-out`,
          { actor: 'a\u0000', reason: 'r' },
        ],
        [
          t.url('conversation'),
          'POST',
          `/v1/inbox/threads/${thread}/reply?tenantId=cool-breeze-hvac`,
          { text: 'hi\u0000' },
        ],
        [
          t.url('gateway'),
          'POST',
          '/v1/admin/tenants/cool-breeze-hvac/api-keys',
          { name: 'key\u0000', permissions: ['reports:read'] },
        ],
      ];
      for (const [base, method, path, body] of cases) {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: admin,
          body: JSON.stringify(body),
        });
        expect([path, res.status]).toEqual([path, 400]);
        expect(((await res.json()) as { message: string }).message).toMatch(
          /: must not contain NUL characters$/,
        );
      }
    });

    it('refuses a 3,000-character tenant id, a crafted cursor and a NUL call id', async () => {
      const long = await fetch(`${t.url('gateway')}/v1/admin/tenants/${'a'.repeat(3000)}`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({ brandName: 'x' }),
      });
      expect(long.status).toBe(400);
      const consent = await fetch(
        `${t.url('compliance')}/v1/consent/${'a'.repeat(3000)}/${encodeURIComponent(newCaller())}`,
        { headers: admin },
      );
      expect(consent.status).toBe(400);
      const cursor = Buffer.from(JSON.stringify({ e: '0000-01-01T00:00:00Z', c: 'x' })).toString(
        'base64url',
      );
      const day = new Date().toISOString().slice(0, 10);
      const reports = await fetch(
        `${t.url('reporting')}/v1/reports/calls?tenantId=cool-breeze-hvac&from=${day}&to=${day}&cursor=${cursor}`,
        { headers: admin },
      );
      expect(reports.status).toBe(400);
      expect(((await reports.json()) as { message: string }).message).toMatch(/^cursor: /);
      const nul = await fetch(`${t.url('decision')}/v1/decisions/%00?tenantId=cool-breeze-hvac`, {
        headers: admin,
      });
      expect(nul.status).toBe(400);
      expect(((await nul.json()) as { message: string }).message).toMatch(/^callId: /);
    });

    it('refuses a call event lasting a trillion seconds at the edge, instead of dead-lettering it later', async () => {
      const res = await postCallEvent({
        callId: randomUUID(),
        tenantId: 'cool-breeze-hvac',
        locationId: 'atlanta-north',
        businessNumber: atlantaNorth,
        callerNumber: newCaller(),
        outcome: 'no-answer',
        endedAt: new Date().toISOString(),
        durationSeconds: 1e12,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/^durationSeconds: /);
    });

    it('keeps a hangup whose Duration no call could have (2^31 s) as a hangup of unknown length', async () => {
      const callUuid = randomUUID();
      const call = {
        CallUUID: callUuid,
        From: newCaller().slice(1),
        To: atlantaNorth.slice(1),
        Direction: 'inbound',
      };
      expect(
        (
          await postVoiceWebhook(
            t.app().answer_url,
            { ...call, CallStatus: 'ringing', Event: 'StartApp' },
            secrets.PLIVO_AUTH_TOKEN,
          )
        ).status,
      ).toBe(200);
      const res = await postVoiceWebhook(
        t.app().hangup_url,
        {
          ...call,
          Duration: String(2 ** 31),
          HangupCause: 'NORMAL_CLEARING',
          HangupSource: 'Caller',
          Event: 'Hangup',
          CallStatus: 'completed',
        },
        secrets.PLIVO_AUTH_TOKEN,
      );
      expect(res.status).toBe(200);
      // Applied moments after the acknowledgement (with the other callbacks of that moment).
      const rows = await eventually(
        async () => {
          const { rows: found } = await t.db.query(
            `SELECT duration_seconds FROM ${t.schema('call-ingest')}.plivo_call
             WHERE call_uuid = $1 AND hangup_at IS NOT NULL`,
            [callUuid],
          );
          return found.length > 0 ? found : undefined;
        },
        { what: 'the hangup applied' },
      );
      expect(rows).toEqual([{ duration_seconds: null }]);
    });
  });

  describe('item 9: unknown tenants', () => {
    it('an opt-out or a CRM endpoint for a tenant that does not exist is a 404, and nothing is recorded', async () => {
      const caller = newCaller();
      const optOut = await fetch(
        `${t.url('compliance')}/v1/consent/no-such-tenant/${encodeURIComponent(caller)}/opt-out`,
        { method: 'POST', headers: admin, body: JSON.stringify({ actor: 'a', reason: 'b' }) },
      );
      expect(optOut.status).toBe(404);
      const { rows } = await t.db.query(
        `SELECT 1 FROM ${t.schema('compliance')}.consent_change WHERE tenant_id = 'no-such-tenant'`,
      );
      expect(rows).toHaveLength(0);
      const crm = await fetch(`${t.url('conversation')}/v1/crm/endpoints/no-such-tenant`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({ url: 'https://crm.example/hook', secret: 'crm-secret-0123456789' }),
      });
      expect(crm.status).toBe(404);
    });
  });

  describe('item 11: pages send security headers', () => {
    it.each([
      ['conversation', '/inbox'],
      ['reporting', '/reports'],
    ])('%s %s', async (service, path) => {
      const res = await fetch(`${t.url(service)}${path}`);
      const csp = (res.headers.get('content-security-policy') ?? '').split(';');
      expect(csp).toEqual(
        expect.arrayContaining([
          "default-src 'self'",
          "script-src 'self'",
          "frame-ancestors 'none'",
          "object-src 'none'",
        ]),
      );
      expect(res.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    });
  });

  describe('item 13: delivery reports and CRM look rows up by their primary keys', () => {
    it('EXPLAIN shows a primary-key index scan (the ::text cast could not use it)', async () => {
      const plan = async (sql: string): Promise<string> => {
        const client = t.db;
        await client.query('BEGIN');
        try {
          await client.query('SET LOCAL enable_seqscan = off');
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          await client.query('ROLLBACK');
        }
      };
      const id = randomUUID();
      const report = await plan(
        `${FIND_SENDS.replace('$1', "ARRAY['MSG']")
          .replace('$2', `ARRAY['${id}']`)
          .replace(/FROM outbound_sms/g, `FROM ${t.schema('sms-dispatch')}.outbound_sms`)}`,
      );
      expect(report).toMatch(/Index (Only )?Scan (using|on) outbound_sms_pkey/);
      expect(report).toMatch(/Index (Only )?Scan (using|on) outbound_sms_carrier_message_id_key/);
      const before = await plan(
        `SELECT * FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE sms_id::text = '${id}'`,
      );
      expect(before).not.toContain('outbound_sms_pkey');
      const lead = await plan(
        `SELECT tenant_id, thread_id FROM ${t.schema('conversation')}.lead WHERE lead_id = '${id}'::uuid`,
      );
      expect(lead).toMatch(/Index Scan using lead_pkey/);
    });
  });

  describe('item 14: a send for a location sms-dispatch does not know waits instead of going out without its zone and caps', () => {
    it('stays pending with the reason, and no text goes', async () => {
      const caller = newCaller();
      const smsId = randomUUID();
      await t.db.query(
        `INSERT INTO ${t.schema('sms-dispatch')}.outbound_sms (sms_id, tenant_id, location_id, call_id, from_number, to_number, body, segments, encoding, state, due_at, purpose, requested_at)
         VALUES ($1, 'cool-breeze-hvac', 'ghost-location', $2, '+14045550100', $3, 'hello', 1, 'GSM-7', 'pending', now(), 'follow-up', now())`,
        [smsId, randomUUID(), caller],
      );
      const row = await eventually(
        async () => {
          const { rows } = await t.db.query<{ state: string; error_reason: string | null }>(
            `SELECT state, error_reason FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE sms_id = $1`,
            [smsId],
          );
          // It cycles pending → sending → pending (with backoff) until the location is known.
          return rows[0]?.state === 'pending' && rows[0].error_reason ? rows[0] : undefined;
        },
        { what: 'the send to be looked at' },
      );
      expect(row).toEqual({ state: 'pending', error_reason: 'location not in the directory yet' });
      expect(ourTextsTo(caller)).toEqual([]);
      await t.db.query(`DELETE FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE sms_id = $1`, [
        smsId,
      ]);
    });
  });

  describe('item 15: a stored profile this version cannot read', () => {
    it('is logged and counted, and the location keeps its last good copy', async () => {
      const directory = t.platform.services.get('decision')!.app.get(LocationDirectory);
      await t.db.query(
        `UPDATE ${t.schema('decision')}.location_directory SET profile = profile - 'timezone' WHERE location_id = 'austin'`,
      );
      try {
        await directory.reload();
        expect(directory.location('austin')?.timezone).toBe('America/Chicago');
        expect(await (await fetch(`${t.url('decision')}/metrics`)).text()).toMatch(
          /decision_location_directory_invalid_profiles\{[^}]*\} 1/,
        );
      } finally {
        await t.db.query(
          `UPDATE ${t.schema('decision')}.location_directory SET profile = jsonb_set(profile, '{timezone}', '"America/Chicago"') WHERE location_id = 'austin'`,
        );
        await directory.reload();
      }
    });
  });

  describe('item 17: the admin API takes what its schema allows', () => {
    it('accepts a location with 10,000 spam numbers', async () => {
      const spamNumbers = Array.from(
        { length: 10_000 },
        (_, i) => `+1212555${String(i).padStart(4, '0')}`,
      );
      const res = await fetch(
        `${t.url('gateway')}/v1/admin/tenants/happy-paws-vet/locations/spam-heavy`,
        {
          method: 'PUT',
          headers: admin,
          body: JSON.stringify({
            name: 'Spam heavy',
            businessNumbers: ['+15125550159'],
            forwardTo: '+15125550199',
            timezone: 'America/Chicago',
            spamNumbers,
          }),
        },
      );
      expect(res.status).toBe(201);
      expect(((await res.json()) as { spamNumbers: string[] }).spamNumbers).toHaveLength(10_000);
    });
  });
});
