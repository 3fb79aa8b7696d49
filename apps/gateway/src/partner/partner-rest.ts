import { Injectable } from '@nestjs/common';
import {
  fromJson,
  toJson,
  type DescMessage,
  type JsonObject,
  type JsonValue,
} from '@bufbuild/protobuf';
import type { Request, Response } from 'express';
import type { RestBinding } from './http-rules';
import { resourceName } from './http-rules';
import type { PartnerAccess } from './partner-auth';
import { PartnerDispatcher } from './partner-dispatcher';
import { failureOf, PartnerError, toProblem } from './partner-errors';

export type PartnerRequest = Request & { access?: PartnerAccess; partnerAudited?: boolean };

/** A query parameter as its field's JSON value (booleans are literals; the rest parse as strings). */
function queryValue(schema: DescMessage, key: string, value: unknown): JsonValue {
  const field = schema.fields.find((f) => f.jsonName === key || f.name === key);
  const one = (v: unknown): JsonValue =>
    field?.fieldKind === 'scalar' && field.scalar === 8 /* bool */ ? v === 'true' : String(v);
  return Array.isArray(value) ? value.map(one) : one(value);
}

/** The request's bytes as JSON (undefined when there are none). */
function jsonOf(raw: unknown): unknown {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw new PartnerError(
      'invalid-request',
      `body: not JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/** Sets `location.name` (as JSON names) in a JSON request. */
function setPath(json: JsonObject, schema: DescMessage, path: string, value: string): void {
  const [head = '', ...rest] = path.split('.');
  const field = schema.fields.find((f) => f.name === head);
  const key = field?.jsonName ?? head;
  if (rest.length === 0 || field?.fieldKind !== 'message') {
    json[key] = value;
    return;
  }
  const inner = (json[key] ??= {}) as JsonObject;
  setPath(inner, field.message, rest.join('.'), value);
}

/**
 * The partner API as REST/JSON, transcoded by each method's `google.api.http` rule (AIP-127):
 * path variables, then the body (the whole request, or the one field the rule names), then query
 * parameters, read strictly as proto3 JSON (an unknown field is refused); the answer is the
 * response message as proto3 JSON, an error RFC 9457 problem details.
 */
@Injectable()
export class PartnerRest {
  constructor(private readonly dispatcher: PartnerDispatcher) {}

  async handle(b: RestBinding, req: PartnerRequest, res: Response): Promise<void> {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    try {
      const request = this.requestOf(b, req);
      // From here the dispatcher audits the call, whatever its outcome.
      req.partnerAudited = true;
      const result = await this.dispatcher.invoke(b.method, request, {
        access: req.access,
        idempotencyKey: req.header('idempotency-key') ?? undefined,
        signal: controller.signal,
        address: req.ip,
        transport: 'rest',
      });
      if (b.method.deprecated) res.setHeader('deprecation', 'true');
      res.status(200).json(toJson(b.method.output, result, { alwaysEmitImplicit: true }));
    } catch (err) {
      const problem = toProblem(failureOf(err));
      res.status(problem.status).set(problem.headers).send(JSON.stringify(problem.body));
    }
  }

  private requestOf(b: RestBinding, req: Request) {
    const schema = b.method.input;
    const body = jsonOf(req.body);
    let json: JsonObject = {};
    if (b.body !== '') {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new PartnerError(
          'invalid-request',
          'body: send a JSON object (Content-Type: application/json)',
        );
      if (b.body === '*') json = { ...(body as JsonObject) };
      else
        json[schema.fields.find((f) => f.name === b.body)?.jsonName ?? b.body] = body as JsonObject;
    }
    for (const [key, value] of Object.entries(req.query)) {
      if (b.body === '*')
        throw new PartnerError(
          'invalid-request',
          `${key}: this method takes its fields in the body`,
        );
      json[key] = queryValue(schema, key, value);
    }
    for (const v of b.variables)
      setPath(json, schema, v.field, resourceName(v, req.params as Record<string, string>));
    try {
      return fromJson(schema, json);
    } catch (err) {
      const why =
        err instanceof Error
          ? err.message.replace(/^cannot decode message [\w.]+ from JSON: /, '')
          : String(err);
      throw new PartnerError('invalid-request', `request: ${why}`);
    }
  }
}
