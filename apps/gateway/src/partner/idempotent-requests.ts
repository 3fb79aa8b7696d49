import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  clone,
  fromBinary,
  toBinary,
  type DescMessage,
  type Message,
  type MessageShape,
} from '@bufbuild/protobuf';
import { systemScope, tenantScope, type SystemScope } from '@textback/persistence';
import type { TenantId } from '@textback/contracts';
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { failureOf, PartnerError, type Failure } from './partner-errors';
import { partnerRepository as requests } from './partner.repository';

/** A key as IETF's Idempotency-Key draft and AIP-155 have them: a client-chosen string, bounded. */
const KEY = /^[\x21-\x7e]{1,255}$/;
/** A claim this old is its holder's who died: the next retry takes it over. */
const LEASE_MS = 120_000;

type Stored = { ok: string } | { error: Failure };

/**
 * Every mutation of the partner API runs once per idempotency key (`Idempotency-Key` on REST,
 * `request_id` on gRPC): the key is claimed in PostgreSQL before the work (so a concurrent
 * duplicate on any replica sees it — 409 while it runs), and the first outcome is kept for
 * `PARTNER_IDEMPOTENCY_HOURS` and replayed to a retry; the same key with a different request is
 * refused (422). A failure a retry could fix (an outage) lets the key go.
 */
@Injectable()
export class IdempotentRequests implements OnModuleInit, OnModuleDestroy {
  private readonly platform: SystemScope;
  private expiry: PeriodicTask | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {
    this.platform = systemScope(
      'gateway: expired idempotency keys of every tenant',
      runtime.logger,
    );
  }

  onModuleInit(): void {
    this.expiry = every(this.runtime, 'partner-idempotency-expiry', 3_600_000, () =>
      requests.expire(this.runtime.db, this.platform, this.runtime.clock.now()),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.expiry?.stop();
  }

  async run<O extends DescMessage>(
    r: {
      clientId: string;
      tenantId: TenantId;
      key: string;
      method: string;
      request: Message;
      requestSchema: DescMessage;
      output: O;
    },
    work: () => Promise<MessageShape<O>>,
  ): Promise<MessageShape<O>> {
    if (!KEY.test(r.key))
      throw new PartnerError(
        'invalid-request',
        'idempotency key: 1–255 printable ASCII characters',
        {
          fields: [{ field: 'request_id', description: '1–255 printable ASCII characters' }],
        },
      );
    const scope = tenantScope(r.tenantId);
    const key = { clientId: r.clientId, key: r.key };
    const row = await requests.claim(
      this.runtime.db,
      scope,
      {
        ...key,
        method: r.method,
        fingerprint: fingerprintOf(r.requestSchema, r.request),
        now: this.runtime.clock.now(),
        keepHours: this.runtime.config.PARTNER_IDEMPOTENCY_HOURS,
      },
      LEASE_MS,
    );
    if (!row.claimed) return this.replay(row, r);
    try {
      const result = await work();
      await requests.finish(this.runtime.db, scope, key, {
        ok: Buffer.from(toBinary(r.output, result)).toString('base64'),
      } satisfies Stored);
      return result;
    } catch (err) {
      const failure = failureOf(err);
      const transient =
        failure.code === 'internal' || (err instanceof PartnerError ? err.retryable : true);
      if (transient) await requests.release(this.runtime.db, scope, key);
      else await requests.finish(this.runtime.db, scope, key, { error: failure } satisfies Stored);
      throw err;
    }
  }

  private replay<O extends DescMessage>(
    row: { method: string; fingerprint: string; state: string; outcome: unknown },
    r: { method: string; request: Message; requestSchema: DescMessage; output: O },
  ): MessageShape<O> {
    if (row.method !== r.method || row.fingerprint !== fingerprintOf(r.requestSchema, r.request))
      throw new PartnerError(
        'request-id-reused',
        'this idempotency key was used for a different request (keys are per request: make a new one)',
      );
    if (row.state === 'running')
      throw new PartnerError(
        'request-in-progress',
        'a request with this idempotency key is still running: retry shortly for its outcome',
        { retryAfterMs: 1_000 },
      );
    const stored = row.outcome as Stored;
    if ('ok' in stored) return fromBinary(r.output, Buffer.from(stored.ok, 'base64'));
    throw new PartnerError(
      stored.error.code === 'internal' ? 'unavailable' : stored.error.code,
      stored.error.message,
      {
        fields: stored.error.fields,
      },
    );
  }
}

/** The request without its key, hashed: what "the same request" means. */
function fingerprintOf(schema: DescMessage, request: Message): string {
  const copy = clone(schema, request) as Message & { requestId?: string };
  if ('requestId' in copy) copy.requestId = '';
  return createHash('sha256').update(toBinary(schema, copy)).digest('base64url');
}
