import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { systemScope, type SystemScope } from '@textback/persistence';
import { counterOf, RecentKeys, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { CallIngestConfig } from '../config';
import { plivoCallRepository as calls, type NewCall } from './plivo-call.repository';

/**
 * answer_url replies from memory; its call is written right after, together with the other
 * answers of the same moment (one statement for all). That is safe only because the Dial action
 * and the hangup carry every field of the call: if this process dies before the write, the
 * applier rebuilds the call from them (a test kills call-ingest in between). A replayed nonce is
 * refused from memory; one first seen by another replica is found at the write (counted).
 */
@Injectable()
export class AnswerWriter implements OnModuleDestroy {
  private buffer: NewCall[] = [];
  /** Calls answered here whose row is not written yet (buffered or being written), with a count. */
  private readonly unwritten = new Map<string, number>();
  private onWritten: () => void = () => undefined;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Replays to this replica are refused before any write. */
  private readonly recent = new RecentKeys(200_000);
  private readonly carrierCalls: SystemScope;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<CallIngestConfig>) {
    this.carrierCalls = systemScope(
      'call-ingest: answers of every tenant, written together',
      runtime.logger,
    );
  }

  /** False when the nonce was seen here before (a replay). */
  write(call: NewCall): boolean {
    if (!this.recent.add(call.nonce)) return false;
    this.buffer.push(call);
    this.unwritten.set(call.callUuid, (this.unwritten.get(call.callUuid) ?? 0) + 1);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.runtime.config.ANSWER_WRITE_DELAY_MS);
    return true;
  }

  /**
   * Writes what is buffered (one statement); retried at the next answer or on stop if it fails.
   * Returns once every answer buffered when it was called is written (or has failed): the
   * applier relies on that to find a call's row. Two callers of one moment (the timer and the
   * applier) must not both see an empty buffer while the other's write is in flight, so the
   * wait for a write is a loop and taking the buffer is synchronous after it.
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const answers = this.buffer;
    if (answers.length === 0) return;
    this.buffer = [];
    this.flushing = calls
      .recordAnswers(this.runtime.db, this.carrierCalls, answers)
      .then((replays) => {
        for (const a of answers) {
          const left = (this.unwritten.get(a.callUuid) ?? 1) - 1;
          if (left > 0) this.unwritten.set(a.callUuid, left);
          else this.unwritten.delete(a.callUuid);
        }
        this.onWritten();
        if (replays.length > 0)
          counterOf(
            this.runtime.registry,
            'call_ingest_answer_replays_total',
            'answer_url requests whose nonce another replica had seen (answered, changed nothing)',
            [],
          ).inc(replays.length);
      })
      .catch((err: unknown) => {
        // Not lost yet: the later callbacks rebuild the call; keep trying the write meanwhile.
        this.buffer.unshift(...answers);
        this.runtime.logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'writing answered calls failed; retrying',
        );
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          void this.flush();
        }, 1_000);
      })
      .finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /**
   * Whether this replica answered the call and its row is not written yet: its callbacks then
   * wait for it (an answer can land in the buffer just after the applier's flush) rather than
   * rebuild the call without its trace.
   */
  holds(callUuid: string): boolean {
    return this.unwritten.has(callUuid);
  }

  /** Told after each write (the applier, to apply the callbacks that waited for it). */
  whenWritten(listener: () => void): void {
    this.onWritten = listener;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
