import { Inject, Injectable } from '@nestjs/common';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { SmsDispatchConfig } from '../config';
import {
  outboundSmsRepository as sends,
  scopeOfSend,
  type OutboundSmsRow,
} from './outbound-sms.repository';

/**
 * Whether a claimed send is too old to call the carrier now. A send `sending` for twice the
 * carrier timeout is taken for a crashed one and settled from the carrier's record, so its call
 * must start within one timeout of its claim (answered or not, it ends within the next).
 */
export function claimTooOldToCall(
  claimedAt: Date | null,
  now: Date,
  carrierTimeoutMs: number,
): boolean {
  return claimedAt !== null && now.getTime() - claimedAt.getTime() > carrierTimeoutMs;
}

/**
 * When sends fall due: a send deferred (pending or unknown again, at a time) or recorded is said
 * here, and the send worker, listening, runs then. Its regular pass (`DISPATCH_POLL_MS`) stays
 * the safety net for sends another replica deferred.
 */
@Injectable()
export class SendSchedule {
  private listener: (at: Date) => void = () => undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>) {}

  onDue(listener: (at: Date) => void): void {
    this.listener = listener;
  }

  dueAt(at: Date): void {
    this.listener(at);
  }

  /** Not now, and the attempt does not count: pending again at `at`. */
  async pendingAt(row: OutboundSmsRow, at: Date, reason: string): Promise<void> {
    await sends.backToPending(this.runtime.db, scopeOfSend(row), row.smsId, { at, reason });
    this.dueAt(at);
  }

  /** Settled later: `unknown` (the carrier's record is asked for) or `pending` (a retry), at `at`. */
  async reschedule(row: OutboundSmsRow, state: 'unknown' | 'pending', at: Date, reason: string) {
    await sends.reschedule(this.runtime.db, scopeOfSend(row), row.smsId, state, { reason, at });
    this.dueAt(at);
  }
}
