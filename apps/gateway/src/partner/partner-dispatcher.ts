import { Inject, Injectable } from '@nestjs/common';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { create, type Message } from '@bufbuild/protobuf';
import type { TenantId } from '@textback/contracts';
import { ConsentAndReportHandlers } from './handlers/consent-and-reports';
import { CallHandlers } from './handlers/calls';
import { LeadHandlers } from './handlers/leads';
import { LocationHandlers } from './handlers/locations';
import { TenantHandlers } from './handlers/tenants';
import { ThreadHandlers } from './handlers/threads';
import { SandboxHandlers } from './handlers/sandbox';
import { restBindings, type DescMethodUnary, type RestBinding } from './http-rules';
import { IdempotentRequests } from './idempotent-requests';
import { PartnerAuth, type PartnerAccess } from './partner-auth';
import { failureOf, PartnerError } from './partner-errors';
import { PartnerMeter } from './partner-meter';
import { idsOf, type PartnerMethod } from './partner-method';

/** How a request arrived: its credential (or the guard's verdict on it) and its edge's details. */
export interface Arrival {
  readonly authorization?: string | undefined;
  readonly access?: PartnerAccess | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly signal: AbortSignal;
  readonly address?: string | undefined;
  readonly transport: 'grpc' | 'rest';
}

/** A field of a request by its proto path (`location.name`). */
function fieldAt(request: Message, path: string): string {
  let at: unknown = request;
  for (const part of path.split('.'))
    at = (at as Record<string, unknown> | undefined)?.[
      part.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())
    ];
  return typeof at === 'string' ? at : '';
}

/**
 * The one way into a partner use case, from gRPC and REST alike: the partner's token, the
 * tenant its resource names (only the token's own), the grant as it stands now, the method's
 * scope, the rate limits, then — for a mutation — its idempotency key; every call audited and
 * counted. The handlers see only a checked `PartnerCall`.
 */
@Injectable()
export class PartnerDispatcher {
  private readonly methods = new Map<
    DescMethodUnary,
    { impl: PartnerMethod; binding: RestBinding }
  >();

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly auth: PartnerAuth,
    private readonly meter: PartnerMeter,
    private readonly idempotent: IdempotentRequests,
    tenants: TenantHandlers,
    locations: LocationHandlers,
    calls: CallHandlers,
    threads: ThreadHandlers,
    leads: LeadHandlers,
    consentAndReports: ConsentAndReportHandlers,
    sandbox: SandboxHandlers,
  ) {
    const impls: Record<string, PartnerMethod> = {
      ...tenants.methods,
      ...locations.methods,
      ...calls.methods,
      ...threads.methods,
      ...leads.methods,
      ...consentAndReports.methods,
      ...sandbox.methods,
    } as unknown as Record<string, PartnerMethod>;
    for (const binding of restBindings) {
      const impl = impls[binding.method.localName];
      if (!impl) throw new Error(`partner API: ${binding.method.name} has no implementation`);
      this.methods.set(binding.method, { impl, binding });
    }
  }

  /** What a method needs (the access matrix and the docs read it). */
  scopeOf(method: DescMethodUnary) {
    return this.methods.get(method)?.impl.scope;
  }

  async invoke(method: DescMethodUnary, request: Message, arrival: Arrival): Promise<Message> {
    const entry = this.methods.get(method);
    if (!entry) throw new PartnerError('not-found', `no method ${method.name}`);
    const { impl, binding } = entry;
    const action = `${arrival.transport === 'grpc' ? 'gRPC' : binding.verb} /${method.parent.typeName}/${method.name}`;
    let access: PartnerAccess | undefined = arrival.access;
    let resource = '';
    try {
      access ??= await this.auth.authenticate(arrival.authorization);
      let tenantId = access.tenantId as TenantId;
      for (const v of binding.variables) {
        resource = fieldAt(request, v.field);
        const [tenant] = idsOf(v.field, resource, v.segments.join('/'));
        tenantId = tenant as TenantId;
      }
      const granted = await this.auth.granted(access, tenantId);
      access = granted;
      if (impl.scope && !granted.scopes.includes(impl.scope))
        throw new PartnerError('forbidden', `this token lacks the scope ${impl.scope}`);
      await this.meter.draw(granted.subject.replace(/^client:/, ''), tenantId);
      const inBody = (request as Message & { requestId?: string }).requestId;
      if (arrival.idempotencyKey && inBody && inBody !== arrival.idempotencyKey)
        throw new PartnerError(
          'invalid-request',
          'Idempotency-Key and request_id differ: send one of them (or the same)',
          { fields: [{ field: 'request_id', description: 'differs from Idempotency-Key' }] },
        );
      const key = arrival.idempotencyKey || inBody;
      const call = {
        access: granted,
        tenantId,
        signal: arrival.signal,
        requestKey: key || undefined,
      };
      const work = async () => create(impl.output, await impl.handle(request, call));
      const result =
        impl.mutation && key
          ? await this.idempotent.run(
              {
                clientId: granted.subject.replace(/^client:/, ''),
                tenantId,
                key,
                method: method.name,
                request,
                requestSchema: method.input,
                output: impl.output,
              },
              work,
            )
          : await work();
      await this.meter.record({
        access,
        action,
        resource,
        failure: undefined,
        address: arrival.address,
      });
      return result;
    } catch (err) {
      const failure = failureOf(err);
      if (failure.code === 'internal')
        this.runtime.logger.error(
          {
            err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
            action,
          },
          'partner call failed unexpectedly',
        );
      await this.meter.record({
        access,
        action,
        resource,
        failure,
        address: arrival.address,
      });
      throw err;
    }
  }
}
