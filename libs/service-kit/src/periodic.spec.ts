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

  it('runs once more after a run when kicked during it (a wake-up is never lost)', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const task = every(
      { service: 'sms-dispatch', logger: { error: () => undefined }, registry: new Registry() },
      'send',
      60_000,
      async () => {
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
      },
    );
    task.kick();
    task.kick(); // arrives while the first run works: new work may have come in
    release();
    await new Promise((r) => setTimeout(r, 50));
    await task.stop();
    expect(runs).toBe(2);
  });

  it('brings the next run forward to when the work falls due', async () => {
    const started: number[] = [];
    const task = every(
      { service: 'sms-dispatch', logger: { error: () => undefined }, registry: new Registry() },
      'send',
      60_000,
      async () => {
        started.push(Date.now());
        return { nextDueInMs: started.length === 1 ? 30 : 60_000 };
      },
    );
    task.kick();
    await new Promise((r) => setTimeout(r, 300));
    await task.stop();
    expect(started).toHaveLength(2);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(25);
  });

  it('kickWithin: kicks that come together share one run, within the delay', async () => {
    let runs = 0;
    const task = every(
      { service: 'sms-dispatch', logger: { error: () => undefined }, registry: new Registry() },
      'apply-delivery-reports',
      60_000,
      async () => {
        runs++;
      },
    );
    for (let i = 0; i < 5; i++) task.kickWithin(30);
    await new Promise((r) => setTimeout(r, 10));
    expect(runs).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(1);
    task.kickWithin(0);
    await new Promise((r) => setTimeout(r, 5));
    await task.stop();
    expect(runs).toBe(2);
  });
});
