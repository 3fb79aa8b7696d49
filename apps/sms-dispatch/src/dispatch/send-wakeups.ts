import { Injectable } from '@nestjs/common';

/**
 * When a send falls due: said by whoever records or defers one (a new send, a deferred or
 * retried one), heard by the send worker, which runs then. The worker's regular pass
 * (`DISPATCH_POLL_MS`) stays the safety net for sends another replica deferred.
 */
@Injectable()
export class SendWakeups {
  private listener: (at: Date) => void = () => undefined;

  onDue(listener: (at: Date) => void): void {
    this.listener = listener;
  }

  dueAt(at: Date): void {
    this.listener(at);
  }
}
