import { createHash } from 'node:crypto';
import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenMessage } from '@bufbuild/protobuf/codegenv2';
import type { Access, PartnerScope } from '@textback/auth';
import type { LocationId, TenantId } from '@textback/contracts';
import { PartnerError } from './partner-errors';

/** One partner request being served, whichever edge it came through. */
export interface PartnerCall {
  /** The partner client, as its grant stands now (tenant, locations, scopes). */
  readonly access: Access & { tenantId: TenantId };
  readonly tenantId: TenantId;
  /** Aborts when the caller's deadline passes or it goes away. */
  readonly signal: AbortSignal;
  /** The mutation's idempotency key, when the caller sent one. */
  readonly requestKey?: string | undefined;
}

/**
 * A UUID that stands for one request of one client on one tenant (its idempotency key), for the
 * service that does the work to dedupe on too: a retry after the gateway lost its own record
 * still does the work once.
 */
export function requestUuid(call: PartnerCall): string | undefined {
  if (!call.requestKey) return undefined;
  const h = createHash('sha256')
    .update(`${call.access.subject}\u0000${call.tenantId}\u0000${call.requestKey}`)
    .digest('hex');
  // RFC 9562 version 8 (custom) with the RFC variant.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** A method's implementation: the scope it needs (none: any granted client) and the use case. */
export interface PartnerMethod<
  I extends DescMessage = DescMessage,
  O extends DescMessage = DescMessage,
> {
  readonly scope: PartnerScope | null;
  /** Whether it changes anything (then it is idempotent by key). */
  readonly mutation: boolean;
  readonly output: O;
  handle(request: MessageShape<I>, call: PartnerCall): Promise<MessageInitShape<O>>;
}

/** Binds a method of the definition to its use case (the types follow the method). */
export function rpc<I extends DescMessage, O extends DescMessage>(
  method: { input: I; output: O & GenMessage<MessageShape<O>> },
  scope: PartnerScope | null,
  handle: (request: MessageShape<I>, call: PartnerCall) => Promise<MessageInitShape<O>>,
  mutation = false,
): PartnerMethod<I, O> {
  return { scope, mutation, output: method.output, handle };
}

/**
 * The ids in a resource name of a known pattern (`tenants/*\/locations/*` → tenant, location),
 * or a clear error naming the field.
 */
export function idsOf(field: string, name: string, pattern: string): string[] {
  const want = pattern.split('/');
  const got = name.split('/');
  const fits =
    got.length === want.length &&
    want.every((w, i) =>
      w === '*' ? /^[A-Za-z0-9+._:-]{1,128}$/.test(got[i] ?? '') : w === got[i],
    );
  if (!fits)
    throw new PartnerError(
      'invalid-request',
      `${field}: must be ${pattern.replace(/\*/g, '{id}')}`,
      {
        fields: [{ field, description: `must be ${pattern}` }],
      },
    );
  return got.filter((_, i) => want[i] === '*');
}

/** A location named in a request: this tenant's, and covered by the grant. */
export function grantedLocation(call: PartnerCall, field: string, name: string): LocationId {
  const [tenant, location] = idsOf(field, name, 'tenants/*/locations/*');
  if (tenant !== call.tenantId)
    throw new PartnerError('forbidden', `${field}: this token is for tenant ${call.tenantId} only`);
  return covered(call, location as LocationId);
}

export function covered(call: PartnerCall, location: LocationId): LocationId {
  const mine = call.access.locationIds;
  if (mine !== 'all' && !mine.includes(location))
    throw new PartnerError('forbidden', `this grant does not cover location ${location}`);
  return location;
}
