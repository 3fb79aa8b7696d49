import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { DescService } from '@bufbuild/protobuf';
import { PartnerGrpcServer } from '@textback/gateway';
import type { TestPlatform } from './test-platform';

/** A partner client registered by the platform and granted by a brand admin. */
export interface Partner {
  readonly clientId: string;
  readonly name: string;
  /** Its sandbox brand (every client has one). */
  readonly sandbox: { tenantId: string; locationId: string; businessNumber: string };
  /** `Basic …` of its id and secret (the token endpoint's client authentication). */
  readonly basic: string;
  /** A fresh access token for one granting tenant. */
  token(tenantId?: string): Promise<string>;
}

export async function registerPartner(
  t: TestPlatform,
  o: {
    name: string;
    scopes: string[];
    grants: { tenantId: string; granter: string; scopes?: string[]; locationIds?: string[] }[];
  },
): Promise<Partner> {
  const gateway = t.url('gateway');
  const made = await fetch(`${gateway}/v1/admin/clients`, {
    method: 'POST',
    headers: { authorization: await t.adminAuthorization(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: o.name, scopes: o.scopes }),
  });
  if (made.status !== 201) throw new Error(`client: ${made.status} ${await made.text()}`);
  const { clientId, clientSecret, sandbox } = (await made.json()) as {
    clientId: string;
    clientSecret: string;
    sandbox: Partner['sandbox'];
  };
  for (const g of o.grants) {
    const granted = await fetch(`${gateway}/v1/admin/tenants/${g.tenantId}/grants`, {
      method: 'POST',
      headers: { authorization: g.granter, 'content-type': 'application/json' },
      body: JSON.stringify({
        clientId,
        scopes: g.scopes ?? o.scopes,
        ...(g.locationIds ? { locationIds: g.locationIds } : {}),
      }),
    });
    if (granted.status !== 201) throw new Error(`grant: ${granted.status} ${await granted.text()}`);
  }
  const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  return {
    clientId,
    name: o.name,
    sandbox,
    basic,
    token: async (tenantId) => {
      const res = await t.requestToken(
        { grant_type: 'client_credentials', ...(tenantId ? { tenant_id: tenantId } : {}) },
        basic,
      );
      if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.access_token;
    },
  };
}

/** Where the gateway serves gRPC, and a client of one service over real gRPC (HTTP/2). */
export function grpcOf(t: TestPlatform) {
  const address = t.platform.services.get('gateway')!.app.get(PartnerGrpcServer).address;
  const transport = createGrpcTransport({ baseUrl: `http://${address}` });
  return {
    address: address!,
    transport,
    client: <S extends DescService>(service: S): Client<S> => createClient(service, transport),
    as: (token: string) => ({ headers: { authorization: `Bearer ${token}` } }),
  };
}

/** A REST call to the partner API: status, headers and the parsed body. */
export async function partnerRest(
  t: TestPlatform,
  path: string,
  o: {
    token?: string;
    method?: string;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const res = await fetch(`${t.url('gateway')}${path}`, {
    method: o.method ?? (o.body !== undefined || o.raw !== undefined ? 'POST' : 'GET'),
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined || o.raw !== undefined
        ? { 'content-type': 'application/json' }
        : {}),
      ...o.headers,
    },
    ...(o.raw !== undefined
      ? { body: o.raw }
      : o.body !== undefined
        ? { body: JSON.stringify(o.body) }
        : {}),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
}
