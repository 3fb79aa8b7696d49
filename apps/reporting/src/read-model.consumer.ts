import { Controller, Inject, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Gauge } from 'prom-client';
import type { EventEnvelope, LocationId, TenantId, Topic } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { handleOnce, scopeOf, systemScope, type SystemScope, type Tx } from '@textback/persistence';
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { CallReportProjector } from './calls/call-report.projector';
import type { ReportingConfig } from './config';
import { funnelRepository } from './funnel/funnel.repository';
import { FunnelService } from './funnel/funnel.service';

/**
 * Feeds both read models (the funnel counters and the per-call rows) from each event, once per
 * event and in one transaction, so a redelivery changes nothing and a replay rebuilds both.
 */
@Controller()
export class ReadModelConsumer implements OnModuleInit, OnModuleDestroy {
  private settle?: PeriodicTask;
  /** Counting facts still waiting for a location covers every tenant. */
  private readonly everyTenant: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>,
    private readonly funnel: FunnelService,
    private readonly calls: CallReportProjector,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {
    this.everyTenant = systemScope('reporting: facts waiting for their location', runtime.logger);
  }

  /** Facts that came before their location's profile are counted once it is known (a replay reads topics in parallel). */
  onModuleInit(): void {
    const waiting = new Gauge({
      name: 'reporting_read_model_waiting_facts',
      help: 'Facts waiting for their location profile (stays above 0 only if a location never arrives)',
      registers: [this.runtime.registry],
    });
    this.settle = every(
      this.runtime,
      'settle-waiting-facts',
      this.runtime.config.READ_MODEL_SETTLE_MS,
      async () => {
        await Promise.all([this.funnel.settlePending(), this.calls.settlePending()]);
        waiting.set(await funnelRepository.waitingFacts(this.runtime.db, this.everyTenant));
      },
    );
    // A location arriving is when its waiting facts can be counted: settle then, not at the next poll.
    this.directory.onChange(() => this.settle?.kick());
  }

  async onModuleDestroy(): Promise<void> {
    await this.settle?.stop();
  }

  @OnEvent('call.ended.v1')
  callEnded(@Payload() e: EventEnvelope<'call.ended.v1'>) {
    // Its own call's row only, and never what matches replies to texts (its text_sent_at).
    return this.apply(
      e,
      undefined,
      (tx) => this.funnel.onCallEnded(tx, e),
      (tx) => this.calls.onCallEnded(tx, e),
    );
  }

  @OnEvent('textback.requested.v1')
  requested(@Payload() e: EventEnvelope<'textback.requested.v1'>) {
    // Its own call's row only: nothing another event of the caller reads is changed.
    return this.apply(
      e,
      undefined,
      (tx) => this.funnel.onTextbackRequested(tx, e),
      (tx) => this.calls.onTextbackRequested(tx, e),
    );
  }

  @OnEvent('textback.suppressed.v1')
  suppressed(@Payload() e: EventEnvelope<'textback.suppressed.v1'>) {
    return this.apply(
      e,
      undefined,
      (tx) => this.funnel.onTextbackSuppressed(tx, e),
      (tx) => this.calls.onTextbackSuppressed(tx, e),
    );
  }

  @OnEvent('sms.sent.v1')
  sent(@Payload() e: EventEnvelope<'sms.sent.v1'>) {
    return this.apply(
      e,
      caller(e.payload.locationId, e.payload.to),
      (tx) => this.funnel.onSmsSent(tx, e),
      (tx) => this.calls.onSmsSent(tx, e),
    );
  }

  @OnEvent('sms.delivered.v1')
  delivered(@Payload() e: EventEnvelope<'sms.delivered.v1'>) {
    return this.apply(
      e,
      undefined,
      (tx) => this.funnel.onSmsDelivered(tx, e),
      (tx) => this.calls.onSmsDelivered(tx, e),
    );
  }

  @OnEvent('sms.failed.v1')
  failed(@Payload() e: EventEnvelope<'sms.failed.v1'>) {
    return this.apply(
      e,
      undefined,
      (tx) => this.funnel.onSmsFailed(tx, e),
      (tx) => this.calls.onSmsFailed(tx, e),
    );
  }

  @OnEvent('sms.received.v1')
  received(@Payload() e: EventEnvelope<'sms.received.v1'>) {
    return this.apply(e, caller(e.payload.locationId, e.payload.from), (tx) =>
      this.calls.onSmsReceived(tx, e),
    );
  }

  @OnEvent('lead.changed.v1')
  lead(@Payload() e: EventEnvelope<'lead.changed.v1'>) {
    return this.apply(
      e,
      undefined,
      (tx) => this.funnel.onLeadChanged(tx, e),
      (tx) => this.calls.onLeadChanged(tx, e),
    );
  }

  /**
   * `callerKey` serialises the events of one caller at one location that read or change what
   * matches replies to texts (texts sent, replies): a reply and the text it answers, handled at once in two transactions, would each miss the other's uncommitted row.
   * Taken first in the transaction, so no transaction waits for it while holding other locks.
   */
  private async apply<T extends Topic>(
    e: EventEnvelope<T> & { payload: { tenantId: TenantId; locationId: LocationId } },
    callerKey: string | undefined,
    ...work: ((tx: Tx) => Promise<void>)[]
  ): Promise<void> {
    await handleOnce(this.runtime.db, `reporting.${e.metadata.type}`, e.metadata.id, async (tx) => {
      if (callerKey) await funnelRepository.lockCaller(tx, scopeOf(e), callerKey);
      for (const w of work) await w(tx);
    });
  }
}

/** The advisory-lock key of a caller at a location (hashed by PostgreSQL; never logged). */
function caller(locationId: string, number: string): string {
  return `call-report:${locationId}:${number}`;
}
