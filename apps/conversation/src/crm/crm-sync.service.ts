import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ExponentialBackoff } from 'cockatiel';
import type { LeadChangedV1 } from '@textback/contracts';
import {
  systemScope,
  tenantScope,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';
import {
  checkEgressUrl,
  counterOf,
  egressFetch,
  EgressRefusedError,
  every,
  RUNTIME,
  signTextbackWebhook,
  type PeriodicTask,
  type ServiceRuntime,
} from '@textback/service-kit';
import { SecretBox } from '@textback/auth';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';
import { crmRepository as crm, type DeliveryView, type DueDelivery } from './crm.repository';

/**
 * Per-tenant CRM webhooks for lead.created / lead.updated / lead.booked, signed like every
 * Textback webhook (HMAC-SHA256 over "<t>.<body>"). Deliveries are queued in the transaction
 * that changes the lead, sent in order per lead (a lead's next event waits for the one before),
 * retried with backoff, and parked as dead after `CRM_MAX_ATTEMPTS`; the log can be read and a
 * dead delivery retried.
 */
@Injectable()
export class CrmSyncService implements OnApplicationBootstrap, OnModuleDestroy {
  private worker: PeriodicTask | undefined;
  private readonly backoff: ExponentialBackoff<unknown>;
  /** The delivery worker sends every tenant's queued deliveries. */
  private readonly everyTenant: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>,
    @Inject(SecretBox) private readonly secrets: SecretBox,
  ) {
    this.everyTenant = systemScope('conversation: CRM delivery worker', runtime.logger);
    this.backoff = new ExponentialBackoff({
      initialDelay: runtime.config.CRM_RETRY_INITIAL_MS,
      maxDelay: runtime.config.CRM_RETRY_MAX_MS,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const sealed = await this.sealStoredSecrets();
    if (sealed > 0) this.runtime.logger.info({ sealed }, 'CRM secrets sealed with the current key');
    this.worker = every(this.runtime, 'crm-deliveries', this.runtime.config.CRM_POLL_MS, () =>
      this.deliverDue(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.stop();
  }

  /** A delivery was queued or re-queued: send it now rather than at the next poll. */
  kick(): void {
    this.worker?.kick();
  }

  /** Queues the lead's change for its tenant's CRM, if the tenant has one (inside the lead's transaction). */
  enqueue(
    tx: Tx,
    scope: TenantScope,
    lead: LeadChangedV1,
    previousStatus: string | undefined,
  ): void {
    const type =
      lead.version === 1
        ? 'lead.created'
        : lead.status === 'booked' && previousStatus !== 'booked'
          ? 'lead.booked'
          : 'lead.updated';
    // Queued only for a tenant with an endpoint; the worker then finds it at once, not at its
    // next poll.
    crm.enqueue(tx, scope, { deliveryId: randomUUID(), lead, eventType: type }, () => this.kick());
  }

  /** Saves a tenant's CRM endpoint once its URL passes the egress check (checked again at each delivery). */
  async setEndpoint(scope: TenantScope, url: string, secret: string): Promise<void> {
    try {
      await checkEgressUrl(url, { allowInsecure: this.runtime.config.EGRESS_ALLOW_INSECURE });
    } catch (err) {
      if (err instanceof EgressRefusedError)
        throw new ConversationError('invalid-request', `url: ${err.message}`);
      throw err;
    }
    const sealed = await this.secrets.seal(secret, contextOf(scope.tenantId));
    await crm.saveEndpoint(this.runtime.db, scope, url, sealed);
  }

  /** The tenant's CRM secret, opened to check a webhook's signature (never returned or logged). */
  async secretOf(scope: TenantScope): Promise<string | undefined> {
    const sealed = await crm.sealedSecretOf(this.runtime.db, scope);
    return sealed ? this.secrets.open(sealed, contextOf(scope.tenantId)) : undefined;
  }

  /**
   * Seals secrets stored before sealing existed, and re-seals those of an older key (a rotation):
   * at every start, before the worker sends anything. Returns how many changed.
   */
  async sealStoredSecrets(): Promise<number> {
    let changed = 0;
    for (const row of await crm.storedSecrets(this.runtime.db, this.everyTenant)) {
      const context = contextOf(row.tenantId);
      const current =
        row.secretSealed && this.secrets.keyIdOf(row.secretSealed) === this.secrets.currentKid;
      if (current && row.secret === null) continue;
      const plain =
        row.secret ?? (row.secretSealed ? await this.secrets.open(row.secretSealed, context) : '');
      await crm.storeSealed(
        this.runtime.db,
        tenantScope(row.tenantId),
        row,
        await this.secrets.seal(plain, context),
      );
      changed++;
    }
    return changed;
  }

  deliveries(scope: TenantScope, status?: string): Promise<DeliveryView[]> {
    return crm.deliveries(this.runtime.db, scope, status);
  }

  /** Puts a dead delivery back in the queue. */
  async retry(scope: TenantScope, deliveryId: string): Promise<boolean> {
    const retrying = await crm.retryDead(this.runtime.db, scope, deliveryId);
    this.kick();
    return retrying;
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const done = await this.runtime.transaction(async (tx) => {
        const due = await crm.claimDue(tx, this.everyTenant, 10);
        await Promise.all(due.map((d) => this.attempt(tx, d)));
        return due.length === 0;
      });
      if (done) return;
    }
  }

  private async attempt(tx: Tx, d: DueDelivery): Promise<void> {
    const scope = tenantScope(d.tenantId);
    const body = JSON.stringify({
      id: d.deliveryId,
      type: d.eventType,
      occurredAt: d.payload.changedAt,
      lead: d.payload,
    });
    let status = 0;
    let error = '';
    let refused = false;
    try {
      const res = await egressFetch(
        d.url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-textback-signature': signTextbackWebhook(
              await this.secrets.open(d.sealedSecret, contextOf(d.tenantId)),
              body,
              Math.floor(this.runtime.clock.now().getTime() / 1000),
            ),
            'x-textback-delivery': d.deliveryId,
            'x-textback-event': d.eventType,
          },
          body,
        },
        { allowInsecure: this.runtime.config.EGRESS_ALLOW_INSECURE },
        { timeoutMs: this.runtime.config.CRM_TIMEOUT_MS },
      );
      status = res.status;
    } catch (err) {
      // A URL the egress check refuses will not get better by retrying: dead at once, with the reason.
      refused = err instanceof EgressRefusedError;
      error = refused
        ? `egress refused: ${(err as Error).message}`
        : err instanceof Error
          ? err.message
          : String(err);
    }
    const outcome = counterOf(
      this.runtime.registry,
      'conversation_crm_deliveries_total',
      'CRM webhook attempts by result',
      ['result'],
    );
    if (status >= 200 && status < 300) {
      outcome.inc({ result: 'delivered' });
      await crm.markDelivered(tx, scope, d.seq, status);
      return;
    }
    const attempts = d.attempts + 1;
    const dead = refused || attempts >= this.runtime.config.CRM_MAX_ATTEMPTS;
    outcome.inc({ result: dead ? 'dead' : 'retry' });
    let b = this.backoff.next();
    for (let i = 1; i < attempts; i++) b = b.next(undefined);
    await crm.markAttemptFailed(tx, scope, d.seq, {
      attempts,
      dead,
      httpStatus: status || null,
      error: (error || `answered ${status}`).slice(0, 300),
      retryInMs: b.duration,
    });
  }
}

/** What a sealed CRM secret is for: it opens for its own tenant's CRM only. */
const contextOf = (tenantId: string): string => `crm:${tenantId}`;
