import type { Registry } from 'prom-client';
import { outsideBatches } from '@textback/persistence';
import { counterOf } from './service-metrics';

export interface PeriodicTask {
  /** Runs the task now (or right after the run in progress, if one is). */
  kick(): void;
  /**
   * Runs the task within `ms` (or that long after the run in progress): kicks that come
   * together share one run — work that may wait a moment is done in batches.
   */
  kickWithin(ms: number): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * What a run may return to say when its work next falls due (a deferred send, a retry): the next
 * run is then, if sooner than the regular interval. Anything else keeps the interval.
 */
export interface NextRun {
  readonly nextDueInMs?: number | undefined;
}

/**
 * A task on a timer: runs never overlap (a kick during a run runs once more after it), a failure
 * is logged and counted (`<service>_task_failures_total{task}`, alerted on) instead of vanishing,
 * a run may bring the next one forward to when its work falls due, and `stop` waits for the run
 * in progress. The one place a service schedules recurring work.
 */
export function every(
  runtime: {
    service: string;
    logger: { error(fields: object, message: string): void };
    registry: Registry;
  },
  task: string,
  ms: number,
  work: () => Promise<NextRun | unknown>,
): PeriodicTask {
  const failures = counterOf(
    runtime.registry,
    `${runtime.service.replace(/-/g, '_')}_task_failures_total`,
    'Runs of a periodic task that failed (retention, purges…)',
    ['task'],
  );
  let running: Promise<void> | undefined;
  /** A kick during a run: how soon after it to run again. */
  let againIn = Infinity;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Infinity;

  const schedule = (delay: number): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const wait = Math.max(0, Math.min(ms, delay));
    dueAt = performance.now() + wait;
    timer = setTimeout(kick, wait);
    timer.unref();
  };
  const run = async (): Promise<void> => {
    let next = ms;
    try {
      const result = await work();
      const due =
        typeof result === 'object' && result !== null && 'nextDueInMs' in result
          ? result.nextDueInMs
          : undefined;
      if (typeof due === 'number' && Number.isFinite(due)) next = due;
    } catch (err) {
      failures.inc({ task });
      runtime.logger.error(
        { task, err: err instanceof Error ? err.message : String(err) },
        'periodic task failed; it runs again on schedule',
      );
    }
    schedule(Math.min(next, againIn));
    againIn = Infinity;
  };
  function kickWithin(delay: number): void {
    if (stopped) return;
    if (running) againIn = Math.min(againIn, delay);
    else if (delay <= 0) kick();
    else if (dueAt > performance.now() + delay) schedule(delay);
  }
  function kick(): void {
    if (stopped) return;
    if (running) {
      againIn = 0;
      return;
    }
    dueAt = Infinity;
    // A kick from an event handler runs outside its batch: the task's statements are its own.
    running = outsideBatches(run).finally(() => (running = undefined));
  }
  schedule(ms);
  return {
    kick,
    kickWithin,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
