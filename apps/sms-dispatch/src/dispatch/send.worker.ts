import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { systemScope, type SystemScope } from '@textback/persistence';
import { every, RUNTIME, type PeriodicTask, type ServiceRuntime } from '@textback/service-kit';
import type { SmsDispatchConfig } from '../config';
import { outboundSmsRepository as sends } from './outbound-sms.repository';
import { SendService } from './send.service';
import { SendSchedule } from './send-schedule';

const CLAIM = 10;
const STALE_CHECK_MS = 5_000;

/**
 * Sends what is due, every tenant's, ten at a time: woken when a send falls due (recorded now,
 * or deferred to a time this replica set), and otherwise every `DISPATCH_POLL_MS`.
 */
@Injectable()
export class SendWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private task: PeriodicTask | undefined;
  private lastStaleCheck = Number.NEGATIVE_INFINITY;
  /** The worker claims due sends of every tenant; each is then handled in its own tenant's scope. */
  private readonly everyTenant: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<SmsDispatchConfig>,
    private readonly sender: SendService,
    wakeups: SendSchedule,
  ) {
    wakeups.onDue((at) => this.task?.kickWithin(at.getTime() - this.runtime.clock.now().getTime()));
    this.everyTenant = systemScope(
      'sms-dispatch: the send worker claims due sends',
      runtime.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.task = every(this.runtime, 'send', this.runtime.config.DISPATCH_POLL_MS, () =>
      this.sendDue(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.task?.stop();
  }

  private async sendDue(): Promise<void> {
    const { db, clock, config } = this.runtime;
    // A send caught mid-call by a crash may or may not have reached the carrier: settle, never
    // resend. Such a send is old by definition, so a look every few seconds is enough (not on
    // every pass: a pass runs for every recorded send).
    if (performance.now() - this.lastStaleCheck > STALE_CHECK_MS) {
      this.lastStaleCheck = performance.now();
      // Its delivery report (the status URL names the send) may settle it first, as for an
      // ambiguous answer; the carrier's record is read after the same wait.
      const now = clock.now();
      const reconcileAt = new Date(now.getTime() + config.RECONCILE_AFTER_MS);
      await sends.markStaleSendingUnknown(
        db,
        this.everyTenant,
        config.PLIVO_TIMEOUT_MS * 2,
        now,
        reconcileAt,
      );
    }
    for (;;) {
      const rows = await sends.claimDue(db, this.everyTenant, CLAIM, clock.now());
      await Promise.all(rows.map((row) => this.sender.handle(row)));
      // Fewer than a claim's worth: nothing more is due (no empty claim to find that out).
      if (rows.length < CLAIM) break;
    }
  }
}
