import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { counterOf } from './service-metrics';

export interface PeriodicTask {
  /** Runs the task now unless a run is in progress. */
  kick(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * A task on a timer: runs never overlap, and a failure is logged and counted
 * (`<service>_task_failures_total{task}`, alerted on) instead of vanishing.
 */
export function every(
  runtime: { service: string; logger: Pick<Logger, 'error'>; registry: Registry },
  task: string,
  ms: number,
  work: () => Promise<unknown>,
): PeriodicTask {
  const failures = counterOf(
    runtime.registry,
    `${runtime.service.replace(/-/g, '_')}_task_failures_total`,
    'Runs of a periodic task that failed (retention, purges…)',
    ['task'],
  );
  let running: Promise<void> | undefined;
  const kick = (): void => {
    running ??= work()
      .then(() => undefined)
      .catch((err: unknown) => {
        failures.inc({ task });
        runtime.logger.error(
          { task, err: err instanceof Error ? err.message : String(err) },
          'periodic task failed; it runs again on schedule',
        );
      })
      .finally(() => (running = undefined));
  };
  const timer = setInterval(kick, ms);
  timer.unref();
  return {
    kick,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
