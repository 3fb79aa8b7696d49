import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { newSigningKey, partnerScopeNames, TokenIssuer } from '@textback/auth';
import {
  googleRpc,
  LeadService,
  LeadStage,
  LocationService,
  MessageDirection,
  SandboxService,
  TenantService,
  TextbackHours,
  ThreadService,
} from '@textback/contracts/partner';
import { eventually } from '@textback/testing';
import { grpcOf, partnerRest, registerPartner, type Partner } from './partner-kit';
import { PlivoFake } from '@textback/plivo-fake';
import { secrets, startTestPlatform, type TestPlatform } from './test-platform';

const tenant = 'cool-breeze-hvac';
/** Every scope a part-1 method needs. */
const everyScope = partnerScopeNames.filter((s) => !['events:read', 'webhooks:manage'].includes(s));
const smyrna = `tenants/${tenant}/locations/partner-smyrna`;
const smyrnaNumber = '+14045550500';

/** What a call rejected with: the ConnectError (a resolved call is a failure of the test). */
async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  const outcome = await call.then(
    () => new Error('the call succeeded'),
    (err: unknown) => err,
  );
  if (!(outcome instanceof ConnectError)) throw outcome;
  return outcome;
}

/**
 * The partner API (#19), driven as a partner would: real gRPC (Connect-ES's client over HTTP/2)
 * and plain HTTP against the gateway, on real Kafka and PostgreSQL with the Plivo fake.
 */
describe('the partner API: one definition served as gRPC and REST', () => {
  let t: TestPlatform;
  let brandAdmin: string;
  let partner: Partner;
  let token: string;
  let signingKey: Awaited<ReturnType<typeof newSigningKey>>;
  let grpc: ReturnType<typeof grpcOf>;
  let sandboxCarrier: PlivoFake;
  const caller = '+14045557701';
  let threadName = '';

  beforeAll(async () => {
    signingKey = await newSigningKey('partner-test');
    // The sandbox carrier: a Plivo fake of its own, so a sandbox text is seen not to reach the live one.
    sandboxCarrier = await new PlivoFake({
      accounts: { [secrets.PLIVO_AUTH_ID]: secrets.PLIVO_AUTH_TOKEN },
      dlrStepMs: 5,
    }).start();
    t = await startTestPlatform({
      transport: 'kafka',
      name: 'partner-api',
      env: {
        AUTH_SIGNING_KEYS: JSON.stringify({ keys: [signingKey] }),
        SANDBOX_PLIVO_API_URL: sandboxCarrier.url,
      },
    });
    sandboxCarrier.setMessageUrl(t.app().message_url);
    brandAdmin = (await t.person({ email: 'brand@partner.example', role: 'brand-admin' }))
      .authorization;
    partner = await registerPartner(t, {
      name: 'FieldPro CRM',
      scopes: everyScope,
      grants: [{ tenantId: tenant, granter: brandAdmin }],
    });
    token = await partner.token();
    grpc = grpcOf(t);
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
    await sandboxCarrier?.stop();
  });

  it("provisions a location over gRPC as the admin API would, and refuses an invalid one with the admin API's words", async () => {
    const locations = grpc.client(LocationService);
    const created = await locations.createLocation(
      {
        parent: `tenants/${tenant}`,
        locationId: 'partner-smyrna',
        location: {
          displayName: 'Smyrna',
          businessNumbers: [smyrnaNumber],
          forwardTo: '+14045550590',
          timeZone: 'America/New_York',
          textbackHours: TextbackHours.ALWAYS,
          businessHours: { mon: { periods: [{ open: '08:00', close: '17:00' }] } },
        },
        requestId: randomUUID(),
      },
      grpc.as(token),
    );
    expect(created).toMatchObject({ name: smyrna, displayName: 'Smyrna', version: 1n });
    expect(created.businessHours['mon']?.periods[0]).toMatchObject({ open: '08:00' });
    // The admin API sees the same location (one store, one event to every service).
    const viaAdmin = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/${tenant}/locations/partner-smyrna`,
      { headers: { authorization: brandAdmin } },
    );
    expect(viaAdmin.status).toBe(200);
    expect(await viaAdmin.json()).toMatchObject({ locationName: 'Smyrna' });

    const invalid = {
      displayName: 'Nowhere',
      businessNumbers: ['+14045550501'],
      forwardTo: 'call me maybe',
      timeZone: 'Mars/Olympus',
    };
    const refused = await refusal(
      locations.createLocation(
        { parent: `tenants/${tenant}`, locationId: 'partner-nowhere', location: invalid },
        grpc.as(token),
      ),
    );
    const admin = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/${tenant}/locations/partner-nowhere`,
      {
        method: 'PUT',
        headers: { authorization: brandAdmin, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Nowhere',
          businessNumbers: ['+14045550501'],
          forwardTo: 'call me maybe',
          timezone: 'Mars/Olympus',
        }),
      },
    );
    expect(admin.status).toBe(400);
    expect(refused.code).toBe(Code.InvalidArgument);
    expect(refused.rawMessage).toBe(((await admin.json()) as { message: string }).message);
    expect(refused.findDetails(googleRpc.ErrorInfoSchema)[0]?.reason).toBe('INVALID_REQUEST');
    // Nothing half-done.
    const missing = await refusal(
      locations.getLocation(
        { name: `tenants/${tenant}/locations/partner-nowhere` },
        grpc.as(token),
      ),
    );
    expect(missing.code).toBe(Code.NotFound);
  });

  it('takes a call event from another phone system: exactly one text; a retry replays, a changed body is refused', async () => {
    const key = randomUUID();
    const callId = `pbx-${key}`;
    const path = `/v1/partner/tenants/${tenant}/calls?callId=${callId}`;
    const body = {
      location: smyrna,
      businessNumber: smyrnaNumber,
      callerNumber: caller,
      outcome: 'CALL_OUTCOME_NO_ANSWER',
      endTime: new Date().toISOString(),
    };
    const post = (b: object, headers: Record<string, string> = { 'idempotency-key': key }) =>
      partnerRest(t, path, { token, body: b, headers });
    // Until call-ingest has learnt the new location it answers 503, which lets the key go.
    const first = await eventually(
      async () => {
        const res = await post(body);
        return res.status === 200 ? res : undefined;
      },
      { what: 'the call event accepted', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(first.body).toMatchObject({
      name: `tenants/${tenant}/calls/${callId}`,
      duplicate: false,
    });
    await eventually(() => t.fake.sentTo(caller).filter((m) => m.origin === 'api').length > 0, {
      what: 'the text-back',
    });

    // The same key again: the first answer, replayed (a second run would say duplicate: true).
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await post({ ...body, callerNumber: '+14045557702' });
    expect(changed.status).toBe(422);
    expect(changed.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(changed.body).toMatchObject({ status: 422, code: 'request-id-reused' });
    // A key in the header and another in the request: refused, not guessed.
    const both = await partnerRest(t, `${path}&requestId=${randomUUID()}`, {
      token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(both.status).toBe(400);
    expect(both.body['errors']).toEqual([
      { field: 'request_id', description: 'differs from Idempotency-Key' },
    ]);
    // Without a key, call-ingest's own idempotency on the call id holds.
    const unkeyed = await post(body, {});
    expect(unkeyed.body).toMatchObject({ duplicate: true });
    await t.fake.settle();
    expect(t.fake.sentTo(caller).filter((m) => m.origin === 'api')).toHaveLength(1);
  }, 60_000);

  it('runs a mutation once when duplicates with one key arrive together', async () => {
    const key = randomUUID();
    const concurrentCaller = '+14045557704';
    const body = {
      location: smyrna,
      businessNumber: smyrnaNumber,
      callerNumber: concurrentCaller,
      outcome: 'CALL_OUTCOME_BUSY',
      endTime: new Date().toISOString(),
    };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        partnerRest(t, `/v1/partner/tenants/${tenant}/calls?callId=pbx-${key}`, {
          token,
          body,
          headers: { 'idempotency-key': key },
        }),
      ),
    );
    // Each is the first answer (run once) or "still running, retry" — never a second run.
    for (const a of answers) expect([200, 409]).toContain(a.status);
    const done = answers.filter((a) => a.status === 200);
    expect(done.length).toBeGreaterThan(0);
    for (const a of done) expect(a.body).toMatchObject({ duplicate: false });
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.body).toMatchObject({ code: 'request-in-progress' });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    await eventually(() => t.fake.sentTo(concurrentCaller).some((m) => m.origin === 'api'), {
      what: 'the one text-back',
    });
    await t.fake.settle();
    expect(t.fake.sentTo(concurrentCaller).filter((m) => m.origin === 'api')).toHaveLength(1);
  });

  it('replies into the thread as the application: the inbox shows it with its author', async () => {
    const threads = grpc.client(ThreadService);
    const thread = await eventually(
      async () =>
        (
          await threads.listThreads(
            { parent: `tenants/${tenant}`, location: smyrna },
            grpc.as(token),
          )
        ).threads.find((th) => th.customerNumber === caller),
      { what: "the caller's thread", intervalMs: 300 },
    );
    threadName = thread.name;
    const reply = {
      parent: thread.name,
      message: { text: 'Hi, FieldPro here: can we come by tomorrow at 9?' },
      requestId: randomUUID(),
    };
    const sent = await threads.createMessage(reply, grpc.as(token));
    // The same request again: the first answer, and no second text.
    expect(await threads.createMessage(reply, grpc.as(token))).toEqual(sent);
    expect(sent).toMatchObject({
      direction: MessageDirection.OUTBOUND,
      authorDisplayName: 'FieldPro CRM',
      deliveryState: 'queued',
    });
    const threadId = thread.name.split('/').pop()!;
    const inbox = await fetch(
      `${t.url('conversation')}/v1/inbox/threads/${threadId}?tenantId=${tenant}`,
      { headers: { authorization: brandAdmin } },
    );
    const view = (await inbox.json()) as { messages: { body: string; authorName: string }[] };
    expect(view.messages.find((m) => m.body.startsWith('Hi, FieldPro'))?.authorName).toBe(
      'FieldPro CRM',
    );
    await eventually(() => t.fake.sentTo(caller).some((m) => m.text.startsWith('Hi, FieldPro')), {
      what: "the partner's text at the carrier",
    });
    const listed = await threads.listMessages({ parent: thread.name }, grpc.as(token));
    expect(listed.messages.map((m) => m.authorDisplayName)).toContain('FieldPro CRM');
    await t.fake.settle();
    expect(t.fake.sentTo(caller).filter((m) => m.text.startsWith('Hi, FieldPro'))).toHaveLength(1);
  });

  it('texts a reply once even when the gateway lost its record and asks conversation again', async () => {
    // What the gateway sends conversation for a keyed reply, twice (as after a crash between
    // conversation's work and the gateway's record of it).
    const issuer = await TokenIssuer.fromKeys([signingKey]);
    const minted = await issuer.issue(
      {
        subject: `client:${partner.clientId}`,
        kind: 'client',
        role: undefined,
        tenantId: tenant as never,
        locationIds: 'all',
        permissions: ['inbox:write'],
        displayName: 'FieldPro CRM',
      },
      60,
      new Date(),
    );
    const threadId = threadName.split('/').pop()!;
    const body = { text: 'One more thing: bring the gate code.', requestId: randomUUID() };
    const ask = () =>
      fetch(`${t.url('conversation')}/v1/inbox/threads/${threadId}/reply?tenantId=${tenant}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${minted}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { messageId: string } }));
    const [first, second] = await Promise.all([ask(), ask()]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.messageId).toBe(first.body.messageId);
    await eventually(() => t.fake.sentTo(caller).some((m) => m.text.startsWith('One more thing')), {
      what: 'the reply at the carrier',
    });
    await t.fake.settle();
    expect(t.fake.sentTo(caller).filter((m) => m.text.startsWith('One more thing'))).toHaveLength(
      1,
    );
  });

  it("moves the lead's stage over REST and books it over gRPC; a read-only field in the mask is refused", async () => {
    const lead = `${threadName}/lead`;
    const qualified = await partnerRest(t, `/v1/partner/${lead}?updateMask=stage`, {
      token,
      method: 'PATCH',
      body: { stage: 'LEAD_STAGE_QUALIFIED' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(qualified.status).toBe(200);
    expect(qualified.body).toMatchObject({ name: lead, stage: 'LEAD_STAGE_QUALIFIED' });
    const readOnly = await partnerRest(t, `/v1/partner/${lead}?updateMask=stage,version`, {
      token,
      method: 'PATCH',
      body: { stage: 'LEAD_STAGE_LOST' },
    });
    expect(readOnly.status).toBe(400);
    expect(readOnly.body['detail']).toBe('update_mask: version is read-only');
    const booked = await grpc.client(LeadService).bookLead(
      {
        name: lead,
        value: { currencyCode: 'USD', amountMinor: 45_000n },
        requestId: randomUUID(),
      },
      grpc.as(token),
    );
    expect(booked).toMatchObject({ stage: LeadStage.BOOKED, value: { amountMinor: 45_000n } });
    const read = await grpc.client(LeadService).getLead({ name: lead }, grpc.as(token));
    expect(read.stage).toBe(LeadStage.BOOKED);
  });

  it('gives the client a sandbox brand whose texts go to the sandbox carrier, never to the live one', async () => {
    const tenants = await grpc.client(TenantService).listTenants({}, grpc.as(token));
    expect(tenants.tenants.map((x) => x.name)).toEqual(
      expect.arrayContaining([`tenants/${tenant}`, `tenants/${partner.sandbox.tenantId}`]),
    );
    const sandboxToken = await partner.token(partner.sandbox.tenantId);
    const location = `tenants/${partner.sandbox.tenantId}/locations/${partner.sandbox.locationId}`;
    const sandboxCaller = '+14045557705';
    await eventually(
      async () => {
        const res = await partnerRest(
          t,
          `/v1/partner/tenants/${partner.sandbox.tenantId}/calls?callId=sandbox-${randomUUID()}`,
          {
            token: sandboxToken,
            body: {
              location,
              businessNumber: partner.sandbox.businessNumber,
              callerNumber: sandboxCaller,
              outcome: 'CALL_OUTCOME_VOICEMAIL',
              endTime: new Date().toISOString(),
            },
          },
        );
        return res.status === 200 || undefined;
      },
      { what: 'the sandbox call accepted', timeoutMs: 30_000, intervalMs: 500 },
    );
    await eventually(() => sandboxCarrier.sentTo(sandboxCaller).length > 0, {
      what: 'the text at the sandbox carrier',
    });
    expect(sandboxCarrier.sentTo(sandboxCaller)[0]?.text).toMatch(/FieldPro CRM \(sandbox\)/);
    await t.fake.settle();
    expect(t.fake.sentTo(sandboxCaller)).toEqual([]);

    // The sandbox's customer answers, played through the sandbox carrier: it lands in the thread.
    const sandbox = grpc.client(SandboxService);
    const played = await sandbox.simulateCustomerMessage(
      { location, customerNumber: sandboxCaller, text: 'Yes please, tomorrow morning works' },
      grpc.as(sandboxToken),
    );
    expect(played.carrierMessageId).not.toBe('');
    const threads = grpc.client(ThreadService);
    await eventually(
      async () => {
        const list = await threads.listThreads(
          { parent: `tenants/${partner.sandbox.tenantId}` },
          grpc.as(sandboxToken),
        );
        const thread = list.threads.find((th) => th.customerNumber === sandboxCaller);
        if (!thread) return undefined;
        const messages = await threads.listMessages({ parent: thread.name }, grpc.as(sandboxToken));
        return messages.messages.some(
          (m) => m.direction === MessageDirection.INBOUND && m.text.startsWith('Yes please'),
        );
      },
      { what: 'the simulated reply in its thread', intervalMs: 300 },
    );
    // Real brands' customers are never simulated.
    const real = await refusal(
      sandbox.simulateCustomerMessage(
        { location: smyrna, customerNumber: sandboxCaller, text: 'hi' },
        grpc.as(token),
      ),
    );
    expect(real.code).toBe(Code.InvalidArgument);
    expect(real.rawMessage).toMatch(/sandboxes only/);
  }, 60_000);

  it("refuses another tenant's data on both transports", async () => {
    const other = 'tenants/bright-smile-dental/locations/denver-downtown';
    const viaGrpc = await refusal(
      grpc.client(LocationService).getLocation({ name: other }, grpc.as(token)),
    );
    expect(viaGrpc.code).toBe(Code.PermissionDenied);
    const viaRest = await partnerRest(t, `/v1/partner/${other}`, { token });
    expect(viaRest.status).toBe(403);
    expect(viaRest.body).toMatchObject({ code: 'forbidden' });
    expect(String(viaRest.body['detail'])).toMatch(/for tenant cool-breeze-hvac only/);
  });

  describe('bad input: a clear error, nothing half-done', () => {
    it('malformed JSON, unknown fields and a body that is not an object', async () => {
      const path = `/v1/partner/tenants/${tenant}/locations?locationId=partner-x`;
      const malformed = await partnerRest(t, path, { token, raw: '{"displayName": ' });
      expect(malformed.status).toBe(400);
      expect(malformed.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(String(malformed.body['detail'])).toMatch(/^body: not JSON/);
      const unknown = await partnerRest(t, path, {
        token,
        body: { displayName: 'X', colour: 'blue' },
      });
      expect(unknown.status).toBe(400);
      expect(String(unknown.body['detail'])).toMatch(/colour/);
      const unknownQuery = await partnerRest(
        t,
        `/v1/partner/tenants/${tenant}/locations?sort=asc`,
        {
          token,
        },
      );
      expect(unknownQuery.status).toBe(400);
      const list = await partnerRest(t, path, { token, body: ['not', 'an', 'object'] });
      expect(list.status).toBe(400);
    });

    it('malformed protobuf over gRPC: refused with what is wrong, nothing run', async () => {
      const { connect } = await import('node:http2');
      const session = connect(`http://${grpc.address}`);
      const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': '/textback.partner.v1.LocationService/CreateLocation',
          'content-type': 'application/grpc',
          te: 'trailers',
          authorization: `Bearer ${token}`,
        });
        // A frame saying 5 bytes of message, then bytes that are no protobuf.
        req.end(Buffer.from([0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff]));
        req.on('trailers', (t) => resolve(t));
        // A trailers-only answer carries the status in its headers.
        req.on('response', (h) => h['grpc-status'] !== undefined && resolve(h));
        req.on('error', reject);
        req.resume();
      });
      session.close();
      // As grpc-go and grpc-java answer bytes that do not decode (docs/api.md): INTERNAL, saying why.
      expect(trailers['grpc-status']).toBe(String(Code.Internal));
      expect(decodeURIComponent(String(trailers['grpc-message']))).toMatch(/^parse binary: /);
    });

    it('a page token from another query or tenant, and an oversized page', async () => {
      const locations = grpc.client(LocationService);
      const page = await locations.listLocations(
        { parent: `tenants/${tenant}`, pageSize: 1 },
        grpc.as(token),
      );
      expect(page.nextPageToken).not.toBe('');
      const next = await locations.listLocations(
        { parent: `tenants/${tenant}`, pageSize: 1, pageToken: page.nextPageToken },
        grpc.as(token),
      );
      expect(next.locations[0]?.name).not.toBe(page.locations[0]?.name);
      const foreign = await refusal(
        locations.listPhoneNumbers(
          { parent: `tenants/${tenant}`, pageToken: page.nextPageToken },
          grpc.as(token),
        ),
      );
      expect(foreign.code).toBe(Code.InvalidArgument);
      expect(foreign.rawMessage).toMatch(/another query/);
      const threads = await partnerRest(
        t,
        `/v1/partner/tenants/${tenant}/threads?pageToken=${page.nextPageToken}`,
        { token },
      );
      expect(threads.status).toBe(400);
      const oversized = await refusal(
        locations.listLocations({ parent: `tenants/${tenant}`, pageSize: 1000 }, grpc.as(token)),
      );
      expect(oversized.code).toBe(Code.InvalidArgument);
      expect(oversized.findDetails(googleRpc.BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe(
        'page_size',
      );
    });

    it('a call event for a number the tenant does not own', async () => {
      const res = await partnerRest(
        t,
        `/v1/partner/tenants/${tenant}/calls?callId=pbx-${randomUUID()}`,
        {
          token,
          body: {
            location: smyrna,
            businessNumber: '+13035550130',
            callerNumber: '+14045557703',
            outcome: 'CALL_OUTCOME_NO_ANSWER',
            endTime: new Date().toISOString(),
          },
        },
      );
      // call-ingest's own answer: the number is another location's.
      expect(res.status).toBe(403);
      expect(String(res.body['detail'])).toMatch(/is not a number of location partner-smyrna/);
    });

    it('a reply to a customer who opted out', async () => {
      await t.fake.receiveFromCustomer({ from: caller, to: smyrnaNumber, text: 'STOP' });
      const threads = grpc.client(ThreadService);
      await eventually(
        async () => (await threads.getThread({ name: threadName }, grpc.as(token))).optedOut,
        { what: 'the thread to know of the opt-out', intervalMs: 300 },
      );
      const before = t.fake.sentTo(caller).length;
      const refused = await refusal(
        threads.createMessage(
          { parent: threadName, message: { text: 'Are you still there?' } },
          grpc.as(token),
        ),
      );
      expect(refused.code).toBe(Code.FailedPrecondition);
      expect(refused.rawMessage).toMatch(/opted out/);
      await t.fake.settle();
      expect(t.fake.sentTo(caller).length).toBe(before);
    });

    it('an expired token, a revoked grant and a revoked client', async () => {
      const issuer = await TokenIssuer.fromKeys([signingKey]);
      const expired = await issuer.issue(
        {
          subject: `client:${partner.clientId}`,
          kind: 'client',
          role: undefined,
          tenantId: tenant as never,
          locationIds: 'all',
          permissions: [],
          scopes: ['locations:read'],
        },
        60,
        new Date(Date.now() - 3_600_000),
      );
      const viaRest = await partnerRest(t, `/v1/partner/${smyrna}`, { token: expired });
      expect(viaRest.status).toBe(401);
      expect(viaRest.body['detail']).toBe('token expired');
      const viaGrpc = await refusal(
        grpc.client(LocationService).getLocation({ name: smyrna }, grpc.as(expired)),
      );
      expect(viaGrpc.code).toBe(Code.Unauthenticated);

      const other = await registerPartner(t, {
        name: 'Short-lived',
        scopes: ['locations:read'],
        grants: [{ tenantId: tenant, granter: brandAdmin }],
      });
      const otherToken = await other.token();
      expect((await partnerRest(t, `/v1/partner/${smyrna}`, { token: otherToken })).status).toBe(
        200,
      );
      const revoke = await fetch(
        `${t.url('gateway')}/v1/admin/tenants/${tenant}/grants/${other.clientId}`,
        { method: 'DELETE', headers: { authorization: brandAdmin } },
      );
      expect(revoke.status).toBe(204);
      // The token is still within its lifetime: the grant is checked on every call.
      const afterGrant = await refusal(
        grpc.client(LocationService).getLocation({ name: smyrna }, grpc.as(otherToken)),
      );
      expect(afterGrant.code).toBe(Code.PermissionDenied);
      expect(afterGrant.rawMessage).toMatch(/revoked/);

      const third = await registerPartner(t, {
        name: 'Leaked secret',
        scopes: ['locations:read'],
        grants: [{ tenantId: tenant, granter: brandAdmin }],
      });
      const thirdToken = await third.token();
      const revokeClient = await fetch(`${t.url('gateway')}/v1/admin/clients/${third.clientId}`, {
        method: 'DELETE',
        headers: { authorization: await t.adminAuthorization() },
      });
      expect(revokeClient.status).toBe(204);
      expect((await partnerRest(t, `/v1/partner/${smyrna}`, { token: thirdToken })).status).toBe(
        403,
      );
      expect((await t.requestToken({ grant_type: 'client_credentials' }, third.basic)).status).toBe(
        401,
      );
    });
  });

  it("shows the brand admin each client's usage, and audits every partner call", async () => {
    const usage = await fetch(`${t.url('gateway')}/v1/admin/tenants/${tenant}/partner-usage`, {
      headers: { authorization: brandAdmin },
    });
    expect(usage.status).toBe(200);
    const rows = (
      (await usage.json()) as {
        usage: { clientId: string; method: string; calls: number; refused: number }[];
      }
    ).usage.filter((u) => u.clientId === partner.clientId);
    expect(rows.find((u) => u.method === 'CreateCall')?.calls).toBeGreaterThanOrEqual(3);
    expect(rows.find((u) => u.method === 'CreateLocation')).toMatchObject({ calls: 2, refused: 1 });
    const today = new Date().toISOString().slice(0, 10);
    const audit = await eventually(
      async () => {
        const res = await fetch(
          `${t.url('gateway')}/v1/admin/tenants/${tenant}/audit?from=${today}&to=${today}T23:59:59Z`,
          { headers: { authorization: brandAdmin } },
        );
        const entries = (await res.json()) as { actor: string; action: string; outcome: number }[];
        return entries.some((e) => e.action.endsWith('LocationService/CreateLocation'))
          ? entries
          : undefined;
      },
      { what: 'the partner calls in the audit log' },
    );
    const mine = audit.filter((e) => e.actor === `client:${partner.clientId}`);
    expect(mine.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'gRPC /textback.partner.v1.LocationService/CreateLocation',
        'POST /textback.partner.v1.CallService/CreateCall',
        'GET /textback.partner.v1.LocationService/GetLocation',
      ]),
    );
    expect(mine.some((e) => e.outcome === 403)).toBe(true);
  });
});
