import { Inject, Injectable } from '@nestjs/common';
import { deliveryOutcomeOf } from '@textback/carrier-plivo';
import { maskPhone } from '@textback/contracts';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { Carriers } from './carrier';
import {
  outboundSmsRepository as sends,
  scopeOfSend,
  type OutboundSmsRow,
} from './outbound-sms.repository';
import { SendOutcomes } from './send-outcomes';

/**
 * Settles a send whose carrier call gave no clear answer (timeout, reset, 5xx) from the
 * carrier's own message record: found, it was sent (and its outcome recorded); absent, it is
 * safe to send again. Never a blind resend (docs/decisions/0003).
 */
@Injectable()
export class Reconciler {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly carriers: Carriers,
    private readonly outcomes: SendOutcomes,
  ) {}

  /** An ambiguous send: did the carrier queue it? Its record says; absent, it is safe to send. */
  async reconcile(row: OutboundSmsRow): Promise<void> {
    const scope = scopeOfSend(row);
    const since = new Date((row.sendingStartedAt ?? this.runtime.clock.now()).getTime() - 5_000);
    let found;
    try {
      found = await this.carriers
        .for(row.locationId)
        .outboundSince(since, { from: row.fromNumber, to: row.toNumber });
    } catch (err) {
      this.runtime.logger.warn(
        { smsId: row.smsId, err: String(err) },
        'carrier record unavailable; will check again',
      );
      return sends.recheckAt(
        this.runtime.db,
        scope,
        row.smsId,
        new Date(this.runtime.clock.now().getTime() + 30_000),
      );
    }
    const mine = found
      .filter((m) => m.time.getTime() >= since.getTime())
      .sort((a, b) => a.time.getTime() - b.time.getTime())[0];
    if (!mine) {
      this.runtime.logger.info(
        { smsId: row.smsId, to: maskPhone(row.toNumber) },
        'ambiguous send not in the carrier record: sending again',
      );
      return sends.resendUnknown(this.runtime.db, scope, row.smsId, this.runtime.clock.now());
    }
    this.runtime.logger.info(
      { smsId: row.smsId, state: mine.state },
      'ambiguous send found in the carrier record: accepted',
    );
    await this.outcomes.record(row, { kind: 'accepted', messageUuid: mine.messageUuid });
    // Its delivery reports may have been lost while we were down: the record has the outcome.
    const outcome = deliveryOutcomeOf(mine.state);
    if (outcome === 'delivered')
      await this.outcomes.record(row, { kind: 'delivered', messageUuid: mine.messageUuid });
    else if (outcome === 'failed')
      await this.outcomes.record(row, {
        kind: 'failed',
        reason: `carrier reported ${mine.state}`,
        errorCode: mine.errorCode,
      });
  }
}
