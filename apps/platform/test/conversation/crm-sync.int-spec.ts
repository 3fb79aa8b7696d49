import { CrmSyncService } from '@textback/conversation';
import { TenantId } from '@textback/contracts';
import { tenantScope } from '@textback/persistence';
import { createServer, type Server } from 'node:http';
import { playCall } from '@textback/plivo-fake';
import { signTextbackWebhook, verifyTextbackWebhook } from '@textback/service-kit';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from '../test-platform';

interface Received {
  deliveryId: string;
  type: string;
  leadId: string;
  version: number;
  signature: string;
  answered: number;
}

/** CRM webhooks: signed, retried, dead-lettered, once and in order per lead when the endpoint recovers. */
describe('CRM sync', () => {
  let t: TestPlatform;
  let server: Server;
  let url = '';
  const received: Received[] = [];
  let failuresLeft = 0;
  let alwaysFail = true;
  const crmSecret = 'crm-webhook-secret-0123456789';
  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };
  let next = 5000 + Math.floor(Math.random() * 4000);
  const newCaller = (): string => `+1404555${String(next++).padStart(4, '0')}`;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const parsed = JSON.parse(body) as {
          id: string;
          type: string;
          lead: { leadId: string; version: number };
        };
        const fail = alwaysFail || failuresLeft-- > 0;
        const answered = fail ? 503 : 200;
        const verdict = verifyTextbackWebhook(
          crmSecret,
          Buffer.from(body),
          String(req.headers['x-textback-signature']),
          Math.floor(Date.now() / 1000),
        );
        received.push({
          deliveryId: parsed.id,
          type: parsed.type,
          leadId: parsed.lead.leadId,
          version: parsed.lead.version,
          signature: verdict,
          answered,
        });
        res.statusCode = answered;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/crm`;
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'crm',
      env: {
        CRM_MAX_ATTEMPTS: '3',
        CRM_RETRY_INITIAL_MS: '50',
        CRM_RETRY_MAX_MS: '200',
        CRM_POLL_MS: '50',
      },
    });
    admin.authorization = await t.adminAuthorization();
    const put = await fetch(`${t.url('conversation')}/v1/crm/endpoints/cool-breeze-hvac`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ url, secret: crmSecret }),
    });
    expect(put.status).toBe(204);
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await new Promise((r) => server.close(r));
  });

  const missedCall = (caller: string) =>
    playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to: '+14045550100',
      scenario: 'missed',
    });

  it('retries a failing endpoint, then dead-letters the delivery and logs it', async () => {
    alwaysFail = true;
    await missedCall(newCaller());
    const dead = await eventually(
      async () => {
        const res = await fetch(
          `${t.url('conversation')}/v1/crm/deliveries?tenantId=cool-breeze-hvac&status=dead`,
          { headers: admin },
        );
        const rows = (await res.json()) as {
          deliveryId: string;
          attempts: number;
          lastStatus: number;
          eventType: string;
        }[];
        return rows[0];
      },
      { what: 'a dead-lettered delivery' },
    );
    expect(dead).toMatchObject({ attempts: 3, lastStatus: 503, eventType: 'lead.created' });
    expect(received.filter((r) => r.deliveryId === dead.deliveryId)).toHaveLength(3);
    expect(received.every((r) => r.signature === 'valid')).toBe(true);

    // Once the endpoint works again, an operator can retry the dead letter.
    alwaysFail = false;
    const retry = await fetch(
      `${t.url('conversation')}/v1/crm/deliveries/${dead.deliveryId}/retry?tenantId=cool-breeze-hvac`,
      { method: 'POST', headers: admin },
    );
    expect(retry.status).toBe(201);
    await eventually(
      () => received.some((r) => r.deliveryId === dead.deliveryId && r.answered === 200),
      { what: 'the retried delivery' },
    );
  });

  it('gives a recovering endpoint every event once, in order per lead', async () => {
    alwaysFail = false;
    failuresLeft = 2;
    const caller = newCaller();
    await missedCall(caller);
    await eventually(() => t.fake.sentTo(caller).find((m) => m.status === 'delivered'), {
      what: 'the text',
    });
    await t.fake.receiveFromCustomer({
      from: caller,
      to: '+14045550100',
      text: 'Need a furnace tune-up, 30305',
    });
    const leadId = await eventually(
      async () => {
        const { rows } = await t.db.query<{ lead_id: string; version: number }>(
          `SELECT lead_id, version FROM ${t.schema('conversation')}.lead WHERE customer_number = $1`,
          [caller],
        );
        return rows[0] && rows[0].version >= 2 ? rows[0].lead_id : undefined;
      },
      { what: 'the lead to be updated' },
    );
    // The CRM books it back, signed with the tenant's secret.
    const body = JSON.stringify({ value: { amountMinor: 38000, currency: 'USD' } });
    const unsigned = await fetch(`${t.url('conversation')}/v1/crm/leads/${leadId}/booked`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    const booked = await fetch(`${t.url('conversation')}/v1/crm/leads/${leadId}/booked`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-textback-signature': signTextbackWebhook(crmSecret, body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    expect(booked.status).toBe(201);
    expect(await booked.json()).toEqual({ leadId, status: 'booked' });

    const { rows: versions } = await t.db.query<{ version: number }>(
      `SELECT version FROM ${t.schema('conversation')}.lead WHERE lead_id = $1`,
      [leadId],
    );
    const finalVersion = versions[0]!.version;
    const delivered = await eventually(
      () => {
        const ok = received.filter((r) => r.leadId === leadId && r.answered === 200);
        return ok.length === finalVersion ? ok : undefined;
      },
      { what: 'every event of the lead delivered' },
    );
    expect(delivered.map((r) => r.version)).toEqual(
      Array.from({ length: finalVersion }, (_, i) => i + 1),
    );
    expect(new Set(delivered.map((r) => r.deliveryId)).size).toBe(delivered.length);
    expect(delivered[0]!.type).toBe('lead.created');
    expect(delivered.at(-1)!.type).toBe('lead.booked');
  });

  it('stores a CRM secret sealed, never returns it, and seals one stored in the clear before (#15 item 5)', async () => {
    const { rows } = await t.db.query<{ secret: string | null; secret_sealed: string }>(
      `SELECT secret, secret_sealed FROM ${t.schema('conversation')}.crm_endpoint WHERE tenant_id = 'cool-breeze-hvac'`,
    );
    expect(rows[0]!.secret).toBeNull();
    expect(rows[0]!.secret_sealed.split('.')).toHaveLength(5); // a compact JWE
    expect(rows[0]!.secret_sealed).not.toContain(crmSecret);
    expect(
      JSON.parse(Buffer.from(rows[0]!.secret_sealed.split('.')[0]!, 'base64url').toString()),
    ).toMatchObject({ alg: 'A256KW', enc: 'A256GCM', kid: 'test-1', ctx: 'crm:cool-breeze-hvac' });
    // No route answers with the secret: the endpoint's routes are write-only or lists without it.
    const log = await fetch(
      `${t.url('conversation')}/v1/crm/deliveries?tenantId=cool-breeze-hvac`,
      {
        headers: admin,
      },
    );
    expect(await log.text()).not.toContain(crmSecret);

    // A secret stored before sealing existed is sealed at the next start, and still verifies.
    await t.db.query(
      `INSERT INTO ${t.schema('conversation')}.crm_endpoint (tenant_id, url, secret) VALUES ('happy-paws-vet', $1, 'legacy-plain-secret-0123')`,
      [url],
    );
    const crm = t.platform.services.get('conversation')!.app.get(CrmSyncService);
    expect(await crm.sealStoredSecrets()).toBe(1);
    const { rows: legacy } = await t.db.query<{ secret: string | null; secret_sealed: string }>(
      `SELECT secret, secret_sealed FROM ${t.schema('conversation')}.crm_endpoint WHERE tenant_id = 'happy-paws-vet'`,
    );
    expect(legacy[0]!.secret).toBeNull();
    expect(legacy[0]!.secret_sealed).not.toContain('legacy-plain-secret');
    await expect(crm.secretOf(tenantScope(TenantId.parse('happy-paws-vet')))).resolves.toBe(
      'legacy-plain-secret-0123',
    );
    expect(await crm.sealStoredSecrets()).toBe(0); // nothing left to seal
  });
});
