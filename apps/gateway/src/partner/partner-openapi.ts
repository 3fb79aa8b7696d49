import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { DurationSchema, FieldMaskSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { partnerScopes } from '@textback/auth';
import { restBindings, type RestBinding } from './http-rules';
import { writable } from './field-mask';

type Schema = Record<string, unknown>;

/** Well-known types as proto3 JSON writes them. */
const wellKnown: Record<string, Schema> = {
  [TimestampSchema.typeName]: { type: 'string', format: 'date-time' },
  [FieldMaskSchema.typeName]: { type: 'string', description: 'Field names, comma-separated.' },
  [DurationSchema.typeName]: { type: 'string', pattern: '^-?\\d+(\\.\\d+)?s$' },
};

const enumSchema = (e: DescEnum): Schema => ({ type: 'string', enum: e.values.map((v) => v.name) });

/** Scalars as proto3 JSON writes them: 64-bit integers as strings, bytes as base64. */
function scalarSchema(scalar: ScalarType): Schema {
  const int32 = { type: 'integer', format: 'int32' };
  const int64 = { type: 'string', format: 'int64' };
  const byType: Record<ScalarType, Schema> = {
    [ScalarType.BOOL]: { type: 'boolean' },
    [ScalarType.INT32]: int32,
    [ScalarType.UINT32]: int32,
    [ScalarType.SINT32]: int32,
    [ScalarType.FIXED32]: int32,
    [ScalarType.SFIXED32]: int32,
    [ScalarType.INT64]: int64,
    [ScalarType.UINT64]: int64,
    [ScalarType.SINT64]: int64,
    [ScalarType.FIXED64]: int64,
    [ScalarType.SFIXED64]: int64,
    [ScalarType.DOUBLE]: { type: 'number' },
    [ScalarType.FLOAT]: { type: 'number' },
    [ScalarType.BYTES]: { type: 'string', format: 'byte' },
    [ScalarType.STRING]: { type: 'string' },
  };
  return byType[scalar];
}

/** A field's schema (messages by reference, collected into `schemas`). */
function fieldSchema(field: DescField, schemas: Map<string, Schema>): Schema {
  const ref = (m: DescMessage): Schema =>
    wellKnown[m.typeName] ?? (collect(m, schemas), { $ref: `#/components/schemas/${m.typeName}` });
  const one = (): Schema => {
    if (field.fieldKind === 'message') return ref(field.message);
    if (field.fieldKind === 'enum') return enumSchema(field.enum);
    if (field.fieldKind === 'list')
      return field.listKind === 'message'
        ? ref(field.message)
        : field.listKind === 'enum'
          ? enumSchema(field.enum)
          : scalarSchema(field.scalar);
    if (field.fieldKind === 'map')
      return {
        type: 'object',
        additionalProperties:
          field.mapKind === 'message'
            ? ref(field.message)
            : field.mapKind === 'enum'
              ? enumSchema(field.enum)
              : scalarSchema(field.scalar),
      };
    return scalarSchema(field.scalar);
  };
  const schema = field.fieldKind === 'list' ? { type: 'array', items: one() } : one();
  return writable(field) ? schema : { ...schema, readOnly: true };
}

function collect(m: DescMessage, schemas: Map<string, Schema>): void {
  if (schemas.has(m.typeName)) return;
  schemas.set(m.typeName, {});
  schemas.set(m.typeName, {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(m.fields.map((f) => [f.jsonName, fieldSchema(f, schemas)])),
  });
}

/** The request fields each part of a REST call carries (path, body, query), by JSON name. */
export function restFields(b: RestBinding): { path: string[]; body: string[]; query: string[] } {
  const fields = b.method.input.fields;
  const path = b.variables.map((v) => v.field.split('.')[0] ?? '');
  const jsonOf = (name: string) => fields.find((f) => f.name === name)?.jsonName ?? name;
  const body =
    b.body === '*'
      ? fields.filter((f) => !path.includes(f.name)).map((f) => f.jsonName)
      : b.body
        ? [jsonOf(b.body)]
        : [];
  const query =
    b.body === '*'
      ? []
      : fields.filter((f) => !path.includes(f.name) && f.name !== b.body).map((f) => f.jsonName);
  return { path: path.map(jsonOf), body, query };
}

function operation(b: RestBinding, scope: string | null | undefined, schemas: Map<string, Schema>) {
  const input = b.method.input;
  const { query } = restFields(b);
  const bodyField =
    b.body && b.body !== '*' ? input.fields.find((f) => f.name === b.body) : undefined;
  const mutation = b.verb !== 'GET';
  return {
    operationId: `${b.method.parent.name}_${b.method.name}`,
    summary: `${b.method.parent.name}.${b.method.name}`,
    tags: [b.method.parent.name],
    ...(b.method.deprecated ? { deprecated: true } : {}),
    security: [{ partner: scope ? [scope] : [] }],
    parameters: [
      ...b.params.map((p) => ({
        name: p.name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
        // The request field this parameter is part of (the resource name it builds).
        'x-proto-field': p.field,
      })),
      ...query.map((name) => {
        const field = input.fields.find((f) => f.jsonName === name);
        return {
          name,
          in: 'query',
          required: false,
          schema: field ? fieldSchema(field, schemas) : { type: 'string' },
        };
      }),
      ...(mutation
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 255 },
              description:
                'Makes a retry safe: the first response is replayed for 24 hours; a different request with the same key gets 422.',
            },
          ]
        : []),
    ],
    ...(b.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: bodyField
                  ? fieldSchema(bodyField, schemas)
                  : {
                      type: 'object',
                      additionalProperties: false,
                      properties: Object.fromEntries(
                        restFields(b).body.map((n) => {
                          const f = input.fields.find((x) => x.jsonName === n);
                          return [n, f ? fieldSchema(f, schemas) : {}];
                        }),
                      ),
                    },
              },
            },
          },
        }
      : {}),
    responses: {
      '200': {
        description: 'OK',
        content: {
          'application/json': {
            schema:
              (collect(b.method.output, schemas),
              { $ref: `#/components/schemas/${b.method.output.typeName}` }),
          },
        },
      },
      default: {
        description: 'An error (RFC 9457)',
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        },
      },
    },
  };
}

/** The partner API's OpenAPI 3.1 document, made from the same definition as its routes. */
export function partnerOpenApi(
  scopeOf: (b: RestBinding) => string | null | undefined,
): Record<string, unknown> {
  const schemas = new Map<string, Schema>();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const b of restBindings)
    (paths[b.openApiPath] ??= {})[b.verb.toLowerCase()] = operation(b, scopeOf(b), schemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Textback partner API',
      version: 'v1',
      description:
        'textback.partner.v1, also served as gRPC (reflection on). Errors are RFC 9457 problem details; mutations take an Idempotency-Key. Deprecated methods answer with `Deprecation` and, once a date is set, `Sunset` headers (docs/api.md).',
    },
    paths,
    components: {
      securitySchemes: {
        partner: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: '/v1/auth/token',
              scopes: Object.fromEntries(
                Object.entries(partnerScopes).map(([s, d]) => [s, d.description]),
              ),
            },
          },
        },
      },
      schemas: {
        ...Object.fromEntries([...schemas].sort(([a], [b]) => a.localeCompare(b))),
        Problem: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { field: { type: 'string' }, description: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}
