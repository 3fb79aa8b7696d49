import { Inject, Injectable } from '@nestjs/common';
import { deliveryOutcomeOf } from '@textback/carrier-plivo';
import { maskPhone } from '@textback/contracts';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { SmsDispatchConfig } from '../config';
import { Carriers } from './carrier';
import {
  outboundSmsRepository as sends,
  scopeOfSend,
  type OutboundSmsRow,
} from './outbound-sms.repository';
import { SendOutcomes } from './send-outcomes';

/** Clocks apart (ours, the carrier's) by up to this much. */
const CLOCK_SKEW_MS = 5_000;
/** How long after our request gave up the carrier may still create its message. */
const CARRIER_LAG_MS = 60_000;
/** Read again this long after the window closes (the carrier's record catching up). */
const WINDOW_MARGIN_MS = 1_000;
/** A record too large to read to its end is read again this much later. */
const RECHECK_MS = 300_000;

/**
 * The time in which the carrier can have created a send's message: from its claim (less clock
 * skew) to twice the carrier timeout later (the call starts within one timeout of the claim,
 * see `claimTooOldToCall`, and gives up after another) plus the carrier's own lag. Until it
 * closes, the carrier may still create the message: its absence does not count yet.
 */
export function carrierRecordWindow(
  claimedAt: Date,
  now: Date,
  carrierTimeoutMs: number,
): { from: Date; to: Date; closesAt: Date } {
  const end = claimedAt.getTime() + 2 * carrierTimeoutMs + CARRIER_LAG_MS;
  return {
    from: new Date(claimedAt.getTime() - CLOCK_SKEW_MS),
    to: new Date(Math.min(now.getTime(), end)),
    closesAt: new Date(end),
  };
}

/**
 * Settles a send whose carrier call gave no clear answer (timeout, reset, 5xx) from the
 * carrier's own message record: found, it was sent (and its outcome recorded); absent from a
 * record read to its end, it is safe to send again. Never a blind resend (docs/decisions/0003).
 */
@Injectable()
export class Reconciler {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>,
    private readonly carriers: Carriers,
    private readonly outcomes: SendOutcomes,
  ) {}

  /** An ambiguous send: did the carrier queue it? Its record says; absent, it is safe to send. */
  async reconcile(row: OutboundSmsRow): Promise<void> {
    const { db, clock, config, logger } = this.runtime;
    const scope = scopeOfSend(row);
    const now = clock.now();
    const later = (ms: number) =>
      sends.recheckAt(db, scope, row.smsId, new Date(now.getTime() + ms));
    const window = carrierRecordWindow(row.sendingStartedAt ?? now, now, config.PLIVO_TIMEOUT_MS);
    let record;
    try {
      record = await this.carriers
        .for(row.locationId)
        .outboundBetween(window, { from: row.fromNumber, to: row.toNumber });
    } catch (err) {
      logger.warn(
        { smsId: row.smsId, err: String(err) },
        'carrier record unavailable; will check again',
      );
      return later(30_000);
    }
    if (!record.complete) {
      logger.error(
        { smsId: row.smsId },
        'carrier record too large to read to its end: an ambiguous send is not resent; will check again',
      );
      return later(RECHECK_MS);
    }
    // Texts to the same person from the same number in the window that are other sends' are not this one.
    const others = await sends.withCarrierIds(
      db,
      scope,
      record.found.map((m) => m.messageUuid),
    );
    const mine = record.found
      .filter((m) => !others.has(m.messageUuid))
      .sort((a, b) => a.time.getTime() - b.time.getTime())[0];
    if (!mine && window.closesAt > now) {
      // Found now, it is settled at once; absent, only once the carrier can no longer create it.
      logger.info(
        { smsId: row.smsId },
        'ambiguous send not in the carrier record yet: checking again when its window closes',
      );
      return later(window.closesAt.getTime() - now.getTime() + WINDOW_MARGIN_MS);
    }
    if (!mine) {
      logger.info(
        { smsId: row.smsId, to: maskPhone(row.toNumber) },
        'ambiguous send not in the carrier record: sending again',
      );
      return sends.resendUnknown(db, scope, row.smsId, now);
    }
    logger.info(
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
