import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  /** A run that finishes when told: what each run got, and the hand that finishes it. */
  function controlledRuns() {
    const runs: { items: number[]; finish: (fail?: Error) => void }[] = [];
    const runAll = (items: readonly number[]) =>
      new Promise<number[]>((resolve, reject) =>
        runs.push({
          items: [...items],
          finish: (fail) => (fail ? reject(fail) : resolve(items.map((i) => i * 10))),
        }),
      );
    return { runs, runAll };
  }
  const settle = () => new Promise((r) => setImmediate(r));

  it('runs the first item at once and gathers what arrives meanwhile into the next run', async () => {
    const { runs, runAll } = controlledRuns();
    const c = new Coalescer(runAll, { maxConcurrent: 1, maxItems: 3 });
    const results = [1, 2, 3, 4, 5, 6].map((i) => c.submit(i));
    await settle();
    expect(runs.map((r) => r.items)).toEqual([[1]]);
    runs[0]?.finish();
    await settle();
    expect(runs.map((r) => r.items)).toEqual([[1], [2, 3, 4]]);
    runs[1]?.finish();
    await settle();
    runs[2]?.finish();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(runs.map((r) => r.items)).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('keeps up to maxConcurrent runs in flight', async () => {
    const { runs, runAll } = controlledRuns();
    const c = new Coalescer(runAll, { maxConcurrent: 2, maxItems: 10 });
    void c.submit(1);
    void c.submit(2);
    void c.submit(3);
    await settle();
    expect(runs.map((r) => r.items)).toEqual([[1], [2]]);
    runs[1]?.finish();
    await settle();
    expect(runs.map((r) => r.items)).toEqual([[1], [2], [3]]);
  });

  it('fails every item of a failed run, and only those', async () => {
    const { runs, runAll } = controlledRuns();
    const c = new Coalescer(runAll, { maxConcurrent: 1, maxItems: 10 });
    const first = c.submit(1);
    const second = c.submit(2);
    await settle();
    runs[0]?.finish(new Error('lost'));
    await expect(first).rejects.toThrow('lost');
    await settle();
    runs[1]?.finish();
    await expect(second).resolves.toBe(20);
  });

  it('fails a run whose results do not match its items', async () => {
    const c = new Coalescer(async () => [1], { maxConcurrent: 1, maxItems: 10 });
    const alone = c.submit(1); // in flight: the next two are gathered into one run
    const a = c.submit(1);
    const b = c.submit(2);
    await expect(alone).resolves.toBe(1);
    await expect(a).rejects.toThrow(/1 results for 2 items/);
    await expect(b).rejects.toThrow(/1 results for 2 items/);
  });

  it('with gatherTick, runs what one turn of the event loop submitted together', async () => {
    const { runs, runAll } = controlledRuns();
    const c = new Coalescer(runAll, { maxConcurrent: 2, maxItems: 10, gatherTick: true });
    void c.submit(1);
    void c.submit(2);
    void c.submit(3);
    expect(runs).toEqual([]);
    await settle();
    expect(runs.map((r) => r.items)).toEqual([[1, 2, 3]]);
    void c.submit(4);
    await settle();
    expect(runs.map((r) => r.items)).toEqual([[1, 2, 3], [4]]);
  });
});
