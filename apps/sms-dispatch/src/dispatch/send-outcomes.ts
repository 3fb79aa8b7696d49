import { Inject, Injectable } from '@nestjs/common';
import { Coalescer } from '@textback/coalescing';
import type { LocationId } from '@textback/contracts';
import { addToOutbox, systemScope, type SystemScope, type Tx } from '@textback/persistence';
import { RecentKeys, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { activeTraceparent, captureContext } from '@textback/telemetry';
import { DispatchMetrics } from './dispatch.metrics';
import { scopeOfSend, type OutboundSmsRow } from './outbound-sms.repository';
import { sendOutcomesRepository as transitions } from './send-outcomes.repository';

/** What settling a send needs of it: its id and its scope. */
export type SendRef = Pick<OutboundSmsRow, 'smsId' | 'tenantId' | 'locationId'>;

export type SendOutcome =
  | { readonly kind: 'accepted'; readonly messageUuid: string }
  | {
      readonly kind: 'delivered';
      readonly messageUuid: string;
      /** The delivery report that says so: its status is recorded with the transition. */
      readonly report?: { readonly status: string; readonly sequence: number };
    }
  | {
      readonly kind: 'failed' | 'suppressed';
      readonly reason: string;
      readonly errorCode: string | undefined;
    };

/** An outcome waiting to be recorded with others (its caller's trace kept for its events). */
interface Recording {
  send: SendRef;
  outcome: SendOutcome;
  when: Date;
  inCallersTrace: <T>(work: () => T) => T;
}

/**
 * Records where a send ended up — the carrier has it, delivered it, or it failed or was
 * suppressed — once: the state transition, its metric and its event (`sms.sent|delivered|
 * failed.v1`) in one transaction, the caller's when it has one.
 */
@Injectable()
export class SendOutcomes {
  /**
   * Carrier message ids of sends this replica saw accepted (committed): a `queued` or `sent`
   * report about one of them changes nothing, so it is answered without a write.
   */
  private readonly accepted = new RecentKeys(100_000);
  private readonly together = new Coalescer<Recording, { error?: unknown }>(
    (group) => this.recordTogether(group),
    { maxConcurrent: 2, maxItems: 50 },
  );

  /** A claim's sends are of any tenants; they are accepted together, in one statement. */
  private readonly claimedSends: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly metrics: DispatchMetrics,
  ) {
    this.claimedSends = systemScope(
      "sms-dispatch: acceptances of a claim's sends, of every tenant, together",
      runtime.logger,
    );
  }

  /** `at`: when it happened (a delivery report's arrival), now unless given. */
  async record(send: SendRef, outcome: SendOutcome, tx?: Tx, at?: Date): Promise<void> {
    const when = at ?? this.runtime.clock.now();
    if (tx) return this.recordIn(tx, send, outcome, when);
    const { error } = await this.together.submit({
      send,
      outcome,
      when,
      inCallersTrace: captureContext(),
    });
    if (error !== undefined) throw error;
  }

  /**
   * Outcomes recorded at the same moment (the sends of a claim answered together) share one
   * transaction. If that fails, each is recorded alone: one bad row never takes others with it.
   */
  private async recordTogether(group: readonly Recording[]): Promise<{ error?: unknown }[]> {
    const one = (t: Tx, r: Recording) =>
      r.inCallersTrace(() => this.recordIn(t, r.send, r.outcome, r.when));
    if (group.length > 1) {
      try {
        await this.runtime.transaction(async (t) => {
          // A send named twice keeps its outcomes in order; otherwise acceptances go together.
          const once = new Set(group.map((r) => r.send.smsId)).size === group.length;
          const accepted = once ? group.filter((r) => r.outcome.kind === 'accepted') : [];
          await this.acceptTogether(t, accepted);
          for (const r of group) if (!accepted.includes(r)) await one(t, r);
        });
        return group.map(() => ({}));
      } catch {
        // each alone below
      }
    }
    return Promise.all(
      group.map((r) =>
        this.runtime
          .transaction((t) => one(t, r))
          .then(
            () => ({}),
            (error: unknown) => ({ error }),
          ),
      ),
    );
  }

  /** Whether the carrier's acceptance of this message is recorded (as far as this replica knows). */
  isAccepted(messageUuid: string): boolean {
    return this.accepted.has(messageUuid);
  }

  /** Acceptances of one group: one statement for all, each send's event in its caller's trace. */
  private async acceptTogether(tx: Tx, group: readonly Recording[]): Promise<void> {
    const acceptances = group.flatMap((r) =>
      r.outcome.kind === 'accepted' ? [{ r, messageUuid: r.outcome.messageUuid }] : [],
    );
    if (acceptances.length === 0) return;
    const changed = await transitions.markAccepted(
      tx,
      this.claimedSends,
      acceptances.map(({ r, messageUuid }) => ({
        smsId: r.send.smsId,
        tenantId: r.send.tenantId,
        carrierMessageId: messageUuid,
        traceparent: r.inCallersTrace(() => activeTraceparent() ?? null),
        at: r.when,
      })),
    );
    for (const { r, messageUuid } of acceptances) {
      const sent = changed.get(r.send.smsId);
      if (sent) await r.inCallersTrace(() => this.onAccepted(tx, sent, messageUuid, r.when));
    }
  }

  /** The carrier has it: counted once committed, and `sms.sent` for a customer's text. */
  private async onAccepted(tx: Tx, sent: OutboundSmsRow, messageUuid: string, at: Date) {
    // Counted once committed: a group that failed and is recorded again counts each once.
    tx.afterCommit(() => {
      this.accepted.add(messageUuid);
      this.metrics.texts.inc({ outcome: 'sent', purpose: sent.purpose });
      if (sent.locationId && sent.purpose === 'textback' && sent.callEndedAt)
        this.metrics.timeToText.observe((at.getTime() - sent.callEndedAt.getTime()) / 1000);
    });
    if (!sent.locationId) return; // to staff: no customer's conversation, no event
    await addToOutbox(tx, 'sms.sent.v1', {
      ...smsFields(sent, sent.locationId),
      carrierMessageId: messageUuid,
      segments: sent.segments,
      encoding: sent.encoding,
      ...(sent.body ? { text: sent.body } : {}),
      purpose: sent.purpose,
      sourceId: sent.callId,
      at: at.toISOString(),
    });
  }

  private async recordIn(tx: Tx, send: SendRef, outcome: SendOutcome, at: Date): Promise<void> {
    const scope = scopeOfSend(send);
    switch (outcome.kind) {
      case 'accepted': {
        // From here on the message's reports continue the trace of the send that got it accepted.
        const accepted = await transitions.markAccepted(tx, scope, [
          {
            smsId: send.smsId,
            tenantId: send.tenantId,
            carrierMessageId: outcome.messageUuid,
            traceparent: activeTraceparent() ?? null,
            at,
          },
        ]);
        const sent = accepted.get(send.smsId);
        if (sent) await this.onAccepted(tx, sent, outcome.messageUuid, at);
        return;
      }
      case 'delivered': {
        const done = await transitions.markDelivered(tx, scope, send.smsId, at, outcome.report);
        if (!done) return;
        tx.afterCommit(() =>
          this.metrics.texts.inc({ outcome: 'delivered', purpose: done.purpose }),
        );
        if (!done.locationId) return;
        await addToOutbox(tx, 'sms.delivered.v1', {
          ...smsFields(done, done.locationId),
          carrierMessageId: outcome.messageUuid,
          at: at.toISOString(),
        });
        return;
      }
      case 'failed':
      case 'suppressed': {
        const why = { reason: outcome.reason, errorCode: outcome.errorCode };
        const done = await transitions.markFinished(tx, scope, send.smsId, outcome.kind, why);
        if (!done) return;
        tx.afterCommit(() =>
          this.metrics.texts.inc({ outcome: outcome.kind, purpose: done.purpose }),
        );
        if (!done.locationId) {
          this.runtime.logger.warn(
            { smsId: done.smsId, reason: outcome.reason },
            'staff text not sent',
          );
          return;
        }
        await addToOutbox(tx, 'sms.failed.v1', {
          ...smsFields(done, done.locationId),
          ...(done.carrierMessageId ? { carrierMessageId: done.carrierMessageId } : {}),
          ...(outcome.errorCode ? { errorCode: outcome.errorCode } : {}),
          reason: outcome.reason.slice(0, 200),
          sourceId: done.callId,
          at: at.toISOString(),
        });
        return;
      }
    }
  }
}

/** A customer's text's fields on its events (a staff text has no location and no events). */
function smsFields(row: OutboundSmsRow, locationId: LocationId) {
  return {
    smsId: row.smsId,
    tenantId: row.tenantId,
    locationId,
    from: row.fromNumber,
    to: row.toNumber,
    ...(row.textbackId ? { textbackId: row.textbackId } : {}),
  };
}
