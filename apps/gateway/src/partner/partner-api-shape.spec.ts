import { routesOf } from '@textback/service-kit';
import { partnerServices } from '@textback/contracts/partner';
import { gatewayControllers } from '../app.module';
import { restBindings } from './http-rules';
import { partnerOpenApi, restFields } from './partner-openapi';

type Operation = {
  operationId: string;
  parameters: { name: string; in: string; 'x-proto-field'?: string }[];
  requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } };
};

/** One definition (#19): every RPC is one REST route and one OpenAPI operation, with its fields. */
describe('the partner API as REST and OpenAPI', () => {
  const rpcs = partnerServices.flatMap((s) => s.methods);
  const routes = routesOf(gatewayControllers).filter((r) =>
    r.handler.startsWith('PartnerRestController.'),
  );
  const document = partnerOpenApi(() => null) as {
    paths: Record<string, Record<string, Operation>>;
  };
  const operations = Object.entries(document.paths).flatMap(([path, verbs]) =>
    Object.entries(verbs).map(([verb, op]) => ({ path, verb, op })),
  );

  it('has exactly one REST route per RPC, as its google.api.http rule says', () => {
    expect(routes).toHaveLength(rpcs.length);
    for (const b of restBindings) {
      const mine = routes.filter(
        (r) => r.handler === `PartnerRestController.${b.method.localName}`,
      );
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ method: b.verb, path: b.expressPath });
      expect(mine[0]?.guards).toEqual(['PartnerTokenGuard']);
    }
  });

  it('has exactly one OpenAPI operation per RPC, carrying exactly the request fields (proto3 JSON names)', () => {
    expect(operations).toHaveLength(rpcs.length);
    for (const b of restBindings) {
      const found = operations.filter(
        (o) => o.op.operationId === `${b.method.parent.name}_${b.method.name}`,
      );
      expect(found).toHaveLength(1);
      const { path, verb, op } = found[0]!;
      expect({ path, verb }).toEqual({ path: b.openApiPath, verb: b.verb.toLowerCase() });
      const inPath = op.parameters.filter((p) => p.in === 'path');
      const pathFields = new Set(
        inPath.map((p) => {
          const top = p['x-proto-field']!.split('.')[0]!;
          return b.method.input.fields.find((f) => f.name === top)!.jsonName;
        }),
      );
      const query = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      const schema = op.requestBody?.content['application/json'].schema;
      const bodyFields = !schema
        ? []
        : b.body === '*'
          ? Object.keys((schema['properties'] ?? {}) as object)
          : [b.method.input.fields.find((f) => f.name === b.body)!.jsonName];
      // A field may be both (UpdateLocation: the location's name in the path, the rest in the body).
      const described = [...new Set([...pathFields, ...query, ...bodyFields])].sort();
      expect(described).toEqual(b.method.input.fields.map((f) => f.jsonName).sort());
      expect(restFields(b).query.sort()).toEqual([...query].sort());
    }
  });

  it('declares its security: OAuth2 client credentials with the scope catalogue', () => {
    const scheme = (
      document as unknown as {
        components: {
          securitySchemes: { partner: { flows: { clientCredentials: { scopes: object } } } };
        };
      }
    ).components.securitySchemes.partner;
    expect(Object.keys(scheme.flows.clientCredentials.scopes)).toEqual(
      expect.arrayContaining([
        'locations:write',
        'calls:write',
        'threads:read',
        'messages:write',
        'leads:write',
        'reports:read',
        'events:read',
        'webhooks:manage',
      ]),
    );
  });
});
