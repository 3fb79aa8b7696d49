import { getOption, type DescMethod } from '@bufbuild/protobuf';
import { http, partnerServices } from '@textback/contracts/partner';

/** One variable of a REST path: the request field it sets and its segments (`tenants/*`). */
interface PathVariable {
  readonly field: string;
  readonly segments: readonly string[];
}

/** A method's REST binding, read from its `google.api.http` annotation (declared once, there). */
export interface RestBinding {
  readonly method: DescMethodUnary;
  readonly verb: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** As annotated: `/v1/partner/{name=tenants/*\/locations/*}`. */
  readonly template: string;
  /** As Express routes it: `/v1/partner/tenants/:tenant/locations/:location`. */
  readonly expressPath: string;
  /** As OpenAPI writes it: `/v1/partner/tenants/{tenant}/locations/{location}`. */
  readonly openApiPath: string;
  readonly variables: readonly PathVariable[];
  /** The path's parameters, each with the request field whose resource name it is part of. */
  readonly params: readonly { name: string; field: string }[];
  /** `*` (the whole request), a field's name (that field), or '' (no body: query parameters). */
  readonly body: string;
}

export type DescMethodUnary = DescMethod & { methodKind: 'unary' };

/** `tenants` → `tenant`: the name of the path parameter a collection's id becomes. */
const singular = (collection: string): string => collection.replace(/s$/, '');

function compile(method: DescMethodUnary): RestBinding {
  const rule = getOption(method, http);
  const { case: verb, value } = rule.pattern;
  if (verb === undefined || verb === 'custom' || typeof value !== 'string')
    throw new Error(`${method.parent.typeName}.${method.name}: no google.api.http verb`);
  const variables: PathVariable[] = [];
  const params: { name: string; field: string }[] = [];
  const express: string[] = [];
  const openApi: string[] = [];
  // `/v1/partner/{name=tenants/*}/x:verb` → literal and variable parts.
  const [path = '', customVerb] = value.split(/:(?=[A-Za-z]+$)/);
  for (const part of path.split(/(\{[^}]+\})/).filter(Boolean)) {
    const variable = /^\{([\w.]+)=([^}]+)\}$/.exec(part);
    if (!variable) {
      express.push(part);
      openApi.push(part);
      continue;
    }
    const segments = (variable[2] ?? '').split('/');
    variables.push({ field: variable[1] ?? '', segments });
    segments.forEach((s, i) => {
      const name = singular(segments[i - 1] ?? 'id');
      if (s === '*') params.push({ name, field: variable[1] ?? '' });
      const sep = i === 0 ? '' : '/';
      express.push(`${sep}${s === '*' ? `:${name}` : s}`);
      openApi.push(`${sep}${s === '*' ? `{${name}}` : s}`);
    });
  }
  return {
    method,
    verb: verb.toUpperCase() as RestBinding['verb'],
    template: value,
    expressPath: express.join('') + (customVerb ? `\\:${customVerb}` : ''),
    openApiPath: openApi.join('') + (customVerb ? `:${customVerb}` : ''),
    variables,
    params,
    body: rule.body,
  };
}

/** Every RPC of the partner API with its REST binding. */
export const restBindings: readonly RestBinding[] = partnerServices.flatMap((s) =>
  s.methods.filter((m): m is DescMethodUnary => m.methodKind === 'unary').map(compile),
);

/** The resource name a path variable takes from a request path's parameters, in order. */
export function resourceName(v: PathVariable, params: Record<string, string>): string {
  return v.segments
    .map((s, i) => (s === '*' ? (params[singular(v.segments[i - 1] ?? 'id')] ?? '') : s))
    .join('/');
}
