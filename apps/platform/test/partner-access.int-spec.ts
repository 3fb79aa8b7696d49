import { randomUUID } from 'node:crypto';
import {
  create,
  createFileRegistry,
  fromBinary,
  toJson,
  type DescMessage,
  type JsonObject,
} from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { PartnerGrpcServer, restBindings } from '@textback/gateway';
import {
  googleRpc,
  grpcHealth,
  grpcReflection,
  grpcReflectionAlpha,
  partnerServices,
  TenantService,
} from '@textback/contracts/partner';
import { newSigningKey, partnerScopeNames } from '@textback/auth';
import { SettableClock } from '@textback/testing';
import { routeInventory } from '../../../tools/helm/edge-routes';
import { grpcOf, partnerRest, registerPartner, type Partner } from './partner-kit';
import { startTestPlatform, type TestPlatform } from './test-platform';

const own = 'cool-breeze-hvac';
const other = 'bright-smile-dental';
const thread = '0b7e3c1e-5d2a-4d6c-9a53-1f0f5d3b2a11';

/** A valid request of every RPC, for a tenant: what each cell of the matrix sends. */
const samples: Record<string, (t: string) => Record<string, unknown>> = {
  ListTenants: () => ({}),
  GetLocation: (t) => ({ name: `tenants/${t}/locations/atlanta-north` }),
  ListLocations: (t) => ({ parent: `tenants/${t}` }),
  CreateLocation: (t) => ({
    parent: `tenants/${t}`,
    locationId: 'matrix-new',
    location: {
      displayName: 'Matrix',
      businessNumbers: ['+14045550999'],
      forwardTo: '+14045550998',
      timeZone: 'America/New_York',
    },
  }),
  UpdateLocation: (t) => ({
    location: { name: `tenants/${t}/locations/atlanta-north`, displayName: 'Atlanta North' },
    updateMask: { paths: ['display_name'] },
  }),
  ListPhoneNumbers: (t) => ({ parent: `tenants/${t}` }),
  CreateCall: (t) => ({
    parent: `tenants/${t}`,
    callId: `matrix-${randomUUID()}`,
    call: {
      location: `tenants/${t}/locations/atlanta-north`,
      businessNumber: '+14045550100',
      callerNumber: '+14045551999',
      outcome: 2,
      endTime: { seconds: BigInt(Math.floor(Date.now() / 1000)) },
    },
  }),
  ListThreads: (t) => ({ parent: `tenants/${t}` }),
  GetThread: (t) => ({ name: `tenants/${t}/threads/${thread}` }),
  ListMessages: (t) => ({ parent: `tenants/${t}/threads/${thread}` }),
  CreateMessage: (t) => ({ parent: `tenants/${t}/threads/${thread}`, message: { text: 'Hello' } }),
  GetLead: (t) => ({ name: `tenants/${t}/threads/${thread}/lead` }),
  UpdateLead: (t) => ({
    lead: { name: `tenants/${t}/threads/${thread}/lead`, stage: 3 },
    updateMask: { paths: ['stage'] },
  }),
  BookLead: (t) => ({ name: `tenants/${t}/threads/${thread}/lead` }),
  GetConsentRecord: (t) => ({ name: `tenants/${t}/consentRecords/+14045551999` }),
  SimulateCustomerMessage: (t) => ({
    location: `tenants/${t}/locations/atlanta-north`,
    customerNumber: '+14045551999',
    text: 'Hello?',
  }),
  GetFunnelReport: (t) => ({
    name: `tenants/${t}/funnelReport`,
    startDate: '2026-11-01',
    endDate: '2026-11-30',
  }),
};

/** The REST form of a request: its rule's path with the names filled in, body and query. */
function restCall(
  b: (typeof restBindings)[number],
  schema: DescMessage,
  init: Record<string, unknown>,
) {
  const json = toJson(schema, create(schema, init)) as JsonObject;
  const at = (path: string): string =>
    path
      .split('.')
      .reduce<unknown>(
        (o, k) =>
          (o as JsonObject | undefined)?.[k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())],
        json,
      ) as string;
  let path = b.template.replace(/\{([\w.]+)=[^}]+\}/g, (_, field: string) => at(field));
  if (b.body === '') {
    const query = new URLSearchParams(
      Object.entries(json).flatMap(([k, v]) =>
        b.variables.some((x) => x.field === k) || typeof v === 'object'
          ? []
          : [[k, String(v)] as [string, string]],
      ),
    ).toString();
    if (query) path += `?${query}`;
    return { path, method: b.verb };
  }
  const bodyKey = schema.fields.find((f) => f.name === b.body)?.jsonName;
  const rest = Object.entries(json).filter(
    ([k]) => k !== bodyKey && !b.variables.some((x) => x.field.split('.')[0] === k),
  );
  const query = new URLSearchParams(
    rest.map(([k, v]): [string, string] => [
      k,
      typeof v === 'object' ? ((v as { paths?: string[] }).paths?.join(',') ?? '') : String(v),
    ]),
  ).toString();
  return {
    path: b.body === '*' ? path : `${path}${query ? `?${query}` : ''}`,
    method: b.verb,
    body: b.body === '*' ? Object.fromEntries(rest) : json[bodyKey ?? ''],
  };
}

/**
 * Who may call the partner API (#19): every RPC, on gRPC and on REST, refuses a call without a
 * credential, with a token lacking the method's scope, for another tenant, and under a revoked
 * grant; the rate limits, shared by replicas; reflection, health and the OpenAPI document.
 */
describe('the partner API: access, limits, reflection and health', () => {
  let t: TestPlatform;
  let brandAdmin: string;
  let full: Partner;
  let fullToken: string;
  let wrongScopeToken: string;
  let revokedToken: string;
  let grpc: ReturnType<typeof grpcOf>;

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'partner-access',
      // The budgets' minute never turns mid-test: the runtime clock stands still.
      clock: new SettableClock(new Date()),
      env: {
        PARTNER_CLIENT_REQUESTS_PER_MINUTE: '30',
        PARTNER_TENANT_REQUESTS_PER_MINUTE: '50',
        // Replicas verify each other's tokens: one key ring.
        AUTH_SIGNING_KEYS: JSON.stringify({ keys: [await newSigningKey('partner-access')] }),
      },
    });
    brandAdmin = (await t.person({ email: 'brand@access.example', role: 'brand-admin' }))
      .authorization;
    const pawsAdmin = (
      await t.person({
        email: 'brand@paws.example',
        role: 'brand-admin',
        tenantId: 'happy-paws-vet',
      })
    ).authorization;
    // Every scope a method needs (webhooks:manage belongs to part 2).
    const everything = partnerScopeNames.filter((s) => s !== 'webhooks:manage');
    full = await registerPartner(t, {
      name: 'Matrix Full',
      scopes: everything,
      grants: [
        { tenantId: own, granter: brandAdmin },
        { tenantId: 'happy-paws-vet', granter: pawsAdmin },
      ],
    });
    fullToken = await full.token(own);
    const wrong = await registerPartner(t, {
      name: 'Matrix Events Only',
      scopes: ['events:read'],
      grants: [{ tenantId: own, granter: brandAdmin }],
    });
    wrongScopeToken = await wrong.token();
    const revoked = await registerPartner(t, {
      name: 'Matrix Revoked',
      scopes: everything,
      grants: [{ tenantId: own, granter: brandAdmin }],
    });
    revokedToken = await revoked.token();
    const res = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/${own}/grants/${revoked.clientId}`,
      {
        method: 'DELETE',
        headers: { authorization: brandAdmin },
      },
    );
    expect(res.status).toBe(204);
    grpc = grpcOf(t);
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('has a sample for every RPC and a partner route for each, nothing more', () => {
    const rpcs = partnerServices.flatMap((s) => s.methods.map((m) => m.name)).sort();
    expect(Object.keys(samples).sort()).toEqual(rpcs);
    const routes = routeInventory().filter((r) => r.handler.startsWith('PartnerRestController.'));
    expect(routes).toHaveLength(rpcs.length);
  });

  it('refuses every RPC on both transports: no credential, wrong scope, other tenant, revoked grant', async () => {
    const wrong: string[] = [];
    const cells = [
      {
        name: 'no credential',
        token: undefined,
        tenant: own,
        grpc: Code.Unauthenticated,
        rest: 401,
      },
      {
        name: 'wrong scope',
        token: wrongScopeToken,
        tenant: own,
        grpc: Code.PermissionDenied,
        rest: 403,
      },
      {
        name: 'other tenant',
        token: fullToken,
        tenant: other,
        grpc: Code.PermissionDenied,
        rest: 403,
      },
      {
        name: 'revoked grant',
        token: revokedToken,
        tenant: own,
        grpc: Code.PermissionDenied,
        rest: 403,
      },
    ];
    for (const b of restBindings) {
      const method = b.method;
      for (const cell of cells) {
        // ListTenants names no tenant and needs no scope: only a credential and a live grant.
        if (method.name === 'ListTenants' && ['wrong scope', 'other tenant'].includes(cell.name))
          continue;
        const init = samples[method.name]!(cell.tenant);
        const client = createClient(method.parent, grpc.transport) as unknown as Record<
          string,
          (req: unknown, o: unknown) => Promise<unknown>
        >;
        const got = await client[method.localName]!(
          init,
          cell.token ? grpc.as(cell.token) : {},
        ).then(
          () => 'ok',
          (err: unknown) => (err instanceof ConnectError ? err.code : String(err)),
        );
        if (got !== cell.grpc)
          wrong.push(`gRPC ${method.name} × ${cell.name}: ${got}, expected ${cell.grpc}`);
        const req = restCall(b, method.input, init);
        const res = await partnerRest(t, req.path, {
          method: req.method,
          ...(cell.token ? { token: cell.token } : {}),
          ...(req.body !== undefined ? { body: req.body } : {}),
        });
        if (res.status !== cell.rest)
          wrong.push(
            `REST ${b.verb} ${req.path} × ${cell.name}: ${res.status} ${JSON.stringify(res.body)}, expected ${cell.rest}`,
          );
        else if (!res.headers.get('content-type')?.includes('application/problem+json'))
          wrong.push(`REST ${method.name} × ${cell.name}: not problem details`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it("refuses a page token from another tenant's list", async () => {
    const cool = await partnerRest(t, `/v1/partner/tenants/${own}/locations?pageSize=1`, {
      token: fullToken,
    });
    const next = String(cool.body['nextPageToken']);
    expect(next).not.toBe('');
    const paws = await partnerRest(
      t,
      `/v1/partner/tenants/happy-paws-vet/locations?pageSize=1&pageToken=${next}`,
      { token: await full.token('happy-paws-vet') },
    );
    expect(paws.status).toBe(400);
    expect(paws.body['errors']).toEqual([
      { field: 'page_token', description: expect.stringMatching(/another query/) },
    ]);
  });

  it('answers 429 with Retry-After over the client budget, counted across gateway replicas, and RESOURCE_EXHAUSTED on gRPC', async () => {
    const replica = await t.replica('gateway');
    const limited = await registerPartner(t, {
      name: 'Busy Partner',
      scopes: ['locations:read'],
      grants: [{ tenantId: own, granter: brandAdmin }],
    });
    const token = await limited.token();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 34; i++) {
      const base = i % 2 === 0 ? t.url('gateway') : replica.url;
      const res = await fetch(`${base}/v1/partner/tenants`, {
        headers: { authorization: `Bearer ${token}` },
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    // Thirty in the minute, whichever replica served them.
    expect(statuses).toEqual([...Array<number>(30).fill(200), 429, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const refused = await grpc
      .client(TenantService)
      .listTenants({}, grpc.as(token))
      .catch((err: unknown) => err as ConnectError);
    if (refused instanceof ConnectError) {
      expect(refused.code).toBe(Code.ResourceExhausted);
      expect(
        refused.findDetails(googleRpc.RetryInfoSchema)[0]?.retryDelay?.seconds,
      ).toBeGreaterThanOrEqual(0n);
    }
  });

  it("answers 429 over the tenant's budget, whichever client spends it", async () => {
    const paws = await full.token('happy-paws-vet');
    const pawsAdmin = (
      await t.person({
        email: 'second@paws.example',
        role: 'brand-admin',
        tenantId: 'happy-paws-vet',
      })
    ).authorization;
    const second = await registerPartner(t, {
      name: 'Second Paws Partner',
      scopes: ['locations:read'],
      grants: [{ tenantId: 'happy-paws-vet', granter: pawsAdmin }],
    });
    const secondToken = await second.token();
    let refused: Record<string, unknown> | undefined;
    for (let i = 0; i < 29 && !refused; i++)
      for (const token of [paws, secondToken]) {
        const res = await partnerRest(t, '/v1/partner/tenants/happy-paws-vet/locations', { token });
        if (res.status === 429) refused = res.body;
      }
    expect(refused).toMatchObject({ code: 'rate-limited' });
    expect(String(refused?.['detail'])).toMatch(/tenant happy-paws-vet/);
  });

  it('lists its services by reflection (v1 and v1alpha), with descriptors a client can build from', async () => {
    const reflection = createClient(grpcReflection.ServerReflection, grpc.transport);
    async function* ask() {
      yield create(grpcReflection.ServerReflectionRequestSchema, {
        messageRequest: { case: 'listServices', value: '' },
      });
      yield create(grpcReflection.ServerReflectionRequestSchema, {
        messageRequest: {
          case: 'fileContainingSymbol',
          value: 'textback.partner.v1.LocationService.GetLocation',
        },
      });
    }
    const answers = [];
    for await (const answer of reflection.serverReflectionInfo(ask())) answers.push(answer);
    const listed = answers[0]?.messageResponse;
    expect(listed?.case).toBe('listServicesResponse');
    const names =
      listed?.case === 'listServicesResponse' ? listed.value.service.map((s) => s.name) : [];
    expect(names).toEqual(
      expect.arrayContaining([
        ...partnerServices.map((s) => s.typeName),
        'grpc.reflection.v1.ServerReflection',
      ]),
    );
    const files = answers[1]?.messageResponse;
    expect(files?.case).toBe('fileDescriptorResponse');
    const protos = files?.case === 'fileDescriptorResponse' ? files.value.fileDescriptorProto : [];
    const registry = createFileRegistry(
      create(FileDescriptorSetSchema, {
        file: protos.map((p) => fromBinary(FileDescriptorProtoSchema, p)),
      }),
    );
    expect(
      registry.getService('textback.partner.v1.LocationService')?.methods.map((m) => m.name),
    ).toContain('GetLocation');
    const alpha = createClient(grpcReflectionAlpha.ServerReflection, grpc.transport);
    async function* askAlpha() {
      yield create(grpcReflectionAlpha.ServerReflectionRequestSchema, {
        messageRequest: { case: 'listServices', value: '' },
      });
    }
    for await (const answer of alpha.serverReflectionInfo(askAlpha()))
      expect(answer.messageResponse.case).toBe('listServicesResponse');
  });

  it('answers grpc.health.v1 with SERVING, and NOT_FOUND for a service it does not serve', async () => {
    const health = createClient(grpcHealth.Health, grpc.transport);
    expect((await health.check({ service: '' })).status).toBe(
      grpcHealth.HealthCheckResponse_ServingStatus.SERVING,
    );
    expect((await health.check({ service: 'textback.partner.v1.ThreadService' })).status).toBe(
      grpcHealth.HealthCheckResponse_ServingStatus.SERVING,
    );
    const unknown = await health
      .check({ service: 'nope.Service' })
      .catch((err: unknown) => err as ConnectError);
    expect(unknown).toBeInstanceOf(ConnectError);
    expect((unknown as ConnectError).code).toBe(Code.NotFound);
  });

  it('honours a deadline: an expired one is DEADLINE_EXCEEDED', async () => {
    const address = t.platform.services.get('gateway')!.app.get(PartnerGrpcServer).address;
    const transport = createGrpcTransport({ baseUrl: `http://${address}` });
    const refused = await createClient(TenantService, transport)
      .listTenants({}, { ...grpc.as(fullToken), timeoutMs: 1 })
      .catch((err: unknown) => err as ConnectError);
    expect((refused as ConnectError).code).toBe(Code.DeadlineExceeded);
  });

  it('publishes its OpenAPI document and a docs page', async () => {
    const doc = await fetch(`${t.url('gateway')}/v1/partner/openapi.json`);
    expect(doc.status).toBe(200);
    const body = (await doc.json()) as { openapi: string; paths: object };
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toContain('/v1/partner/tenants/{tenant}/locations/{location}');
    const page = await fetch(`${t.url('gateway')}/v1/partner/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/swagger-ui-bundle\.js/);
    const asset = await fetch(`${t.url('gateway')}/v1/partner/docs/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${t.url('gateway')}/v1/partner/docs/..%2Fpackage.json`)).status).toBe(404);
  });
});
