import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ExponentialBackoff } from 'cockatiel';
import type { EntityManager } from 'typeorm';
import type { LeadChangedV1 } from '@textback/contracts';
import {
  checkEgressUrl,
  counterOf,
  egressFetch,
  EgressRefusedError,
  RUNTIME,
  signTextbackWebhook,
  type ServiceRuntime,
} from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { ConversationError } from '../errors';

interface DeliveryRow {
  seq: string;
  delivery_id: string;
  tenant_id: string;
  lead_id: string;
  lead_version: number;
  event_type: string;
  payload: LeadChangedV1;
  attempts: number;
  url: string;
  secret: string;
}

/**
 * Per-tenant CRM webhooks for lead.created / lead.updated / lead.booked, signed like every
 * Textback webhook (HMAC-SHA256 over "<t>.<body>"). Deliveries are queued in the transaction
 * that changes the lead, sent in order per lead (a lead's next event waits for the one before),
 * retried with backoff, and parked as dead after `CRM_MAX_ATTEMPTS`; the log can be read and a
 * dead delivery retried.
 */
@Injectable()
export class CrmSyncService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private working: Promise<void> | undefined;
  private readonly backoff: ExponentialBackoff<unknown>;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>) {
    this.backoff = new ExponentialBackoff({
      initialDelay: runtime.config.CRM_RETRY_INITIAL_MS,
      maxDelay: runtime.config.CRM_RETRY_MAX_MS,
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.runtime.config.CRM_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.working;
  }

  kick(): void {
    this.working ??= this.deliverDue()
      .catch((err: unknown) =>
        this.runtime.logger.error({ err: String(err) }, 'CRM delivery pass failed'),
      )
      .finally(() => (this.working = undefined));
  }

  /** Queues the lead's change for its tenant's CRM, if the tenant has one (inside the lead's transaction). */
  async enqueue(
    tx: EntityManager,
    lead: LeadChangedV1,
    previousStatus: string | undefined,
  ): Promise<void> {
    const type =
      lead.version === 1
        ? 'lead.created'
        : lead.status === 'booked' && previousStatus !== 'booked'
          ? 'lead.booked'
          : 'lead.updated';
    await tx.query(
      `INSERT INTO crm_delivery (delivery_id, tenant_id, lead_id, lead_version, event_type, payload)
       SELECT $1, $2, $3, $4, $5, $6 FROM crm_endpoint WHERE tenant_id = $2`,
      [randomUUID(), lead.tenantId, lead.leadId, lead.version, type, JSON.stringify(lead)],
    );
  }

  /** Saves a tenant's CRM endpoint once its URL passes the egress check (checked again at each delivery). */
  async setEndpoint(tenantId: string, url: string, secret: string): Promise<void> {
    try {
      await checkEgressUrl(url, { allowInsecure: this.runtime.config.EGRESS_ALLOW_INSECURE });
    } catch (err) {
      if (err instanceof EgressRefusedError)
        throw new ConversationError('invalid-request', `url: ${err.message}`);
      throw err;
    }
    await this.runtime.dataSource.query(
      `INSERT INTO crm_endpoint (tenant_id, url, secret) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, updated_at = now()`,
      [tenantId, url, secret],
    );
  }

  async secretOf(tenantId: string): Promise<string | undefined> {
    const rows: { secret: string }[] = await this.runtime.dataSource.query(
      'SELECT secret FROM crm_endpoint WHERE tenant_id = $1',
      [tenantId],
    );
    return rows[0]?.secret;
  }

  deliveries(tenantId: string, status?: string): Promise<unknown[]> {
    return this.runtime.dataSource.query(
      `SELECT delivery_id, lead_id, lead_version, event_type, status, attempts, last_status, last_error, created_at, delivered_at
       FROM crm_delivery WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY seq DESC LIMIT 500`,
      [tenantId, status ?? null],
    );
  }

  /** Puts a dead delivery back in the queue. */
  async retry(deliveryId: string): Promise<boolean> {
    const res: [unknown[], number] = await this.runtime.dataSource.query(
      `UPDATE crm_delivery SET status = 'pending', attempts = 0, next_attempt_at = now() WHERE delivery_id = $1 AND status = 'dead'`,
      [deliveryId],
    );
    this.kick();
    return res[1] > 0;
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const done = await this.runtime.dataSource.transaction(async (tx) => {
        // The oldest pending delivery of each lead, when due: order per lead is kept.
        const due: DeliveryRow[] = await tx.query(
          `SELECT d.*, e.url, e.secret FROM crm_delivery d JOIN crm_endpoint e USING (tenant_id)
           WHERE d.status = 'pending' AND d.next_attempt_at <= now()
             AND NOT EXISTS (SELECT 1 FROM crm_delivery p WHERE p.lead_id = d.lead_id AND p.status = 'pending' AND p.seq < d.seq)
           ORDER BY d.seq LIMIT 10 FOR UPDATE OF d SKIP LOCKED`,
        );
        await Promise.all(due.map((d) => this.attempt(tx, d)));
        return due.length === 0;
      });
      if (done) return;
    }
  }

  private async attempt(tx: EntityManager, d: DeliveryRow): Promise<void> {
    const body = JSON.stringify({
      id: d.delivery_id,
      type: d.event_type,
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
              d.secret,
              body,
              Math.floor(Date.now() / 1000),
            ),
            'x-textback-delivery': d.delivery_id,
            'x-textback-event': d.event_type,
          },
          body,
          signal: AbortSignal.timeout(this.runtime.config.CRM_TIMEOUT_MS),
        },
        { allowInsecure: this.runtime.config.EGRESS_ALLOW_INSECURE },
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
      await tx.query(
        `UPDATE crm_delivery SET status = 'delivered', attempts = attempts + 1, last_status = $2, delivered_at = now() WHERE seq = $1`,
        [d.seq, status],
      );
      return;
    }
    const attempts = d.attempts + 1;
    const dead = refused || attempts >= this.runtime.config.CRM_MAX_ATTEMPTS;
    outcome.inc({ result: dead ? 'dead' : 'retry' });
    let b = this.backoff.next();
    for (let i = 1; i < attempts; i++) b = b.next(undefined);
    await tx.query(
      `UPDATE crm_delivery SET attempts = $2, status = $3, last_status = $4, last_error = $5,
         next_attempt_at = now() + make_interval(secs => $6::double precision / 1000) WHERE seq = $1`,
      [
        d.seq,
        attempts,
        dead ? 'dead' : 'pending',
        status || null,
        (error || `answered ${status}`).slice(0, 300),
        b.duration,
      ],
    );
  }
}
