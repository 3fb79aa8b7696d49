import { Registry } from 'prom-client';
import { every } from './periodic';

describe('every (the periodic-task helper)', () => {
  it('logs and counts a failing run instead of swallowing it, and runs again', async () => {
    const registry = new Registry();
    const errors: object[] = [];
    let runs = 0;
    const task = every(
      {
        service: 'compliance',
        logger: { error: (fields: object) => errors.push(fields) },
        registry,
      },
      'consent-text-retention',
      60_000,
      async () => {
        runs++;
        throw new Error('database is away');
      },
    );
    task.kick();
    await task.stop();
    expect(runs).toBe(1);
    expect(errors).toEqual([{ task: 'consent-text-retention', err: 'database is away' }]);
    expect(await registry.metrics()).toMatch(
      /compliance_task_failures_total\{task="consent-text-retention"\} 1/,
    );
  });

  it('never overlaps runs', async () => {
    let running = 0;
    let most = 0;
    const task = every(
      { service: 'reporting', logger: { error: () => undefined }, registry: new Registry() },
      'pii-retention',
      60_000,
      async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
    );
    task.kick();
    task.kick();
    task.kick();
    await task.stop();
    expect(most).toBe(1);
  });
});
