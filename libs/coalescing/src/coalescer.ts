/**
 * Coalescing (as in a database's group commit): items submitted while a run is in flight wait
 * for the next run and go in it together — one statement for many webhooks, one transaction for
 * the batches of several partitions. Each submitter's promise settles when the run holding its
 * item has finished (or failed: then every item of that run fails, and each is retried by its
 * sender). Nothing waits when nothing is in flight, so a quiet service adds no latency and a
 * busy one makes fewer, bigger runs.
 *
 * DataLoader was considered: it gathers what is asked within one tick, and webhooks and batches
 * arrive in separate ticks, so it would need a fixed delay on every request to gather at all.
 */
export class Coalescer<In, Out> {
  private readonly waiting: {
    item: In;
    resolve: (out: Out) => void;
    reject: (err: unknown) => void;
  }[] = [];
  private inFlight = 0;
  private gathering: NodeJS.Immediate | undefined;

  /**
   * @param runAll handles the items together; returns one result per item, in order.
   * @param options.maxConcurrent runs in flight at once (a slow one does not stall the rest).
   * @param options.maxItems items per run at most.
   * @param options.gatherTick a run starts after the current turn of the event loop, so the
   *   items submitted in one turn go together (the partitions' batches of one Kafka fetch).
   */
  constructor(
    private readonly runAll: (items: readonly In[]) => Promise<readonly Out[]>,
    private readonly options: { maxConcurrent: number; maxItems: number; gatherTick?: boolean } = {
      maxConcurrent: 2,
      maxItems: 200,
    },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.options.gatherTick) this.runNext();
      else
        this.gathering ??= setImmediate(() => {
          this.gathering = undefined;
          this.runNext();
        });
    });
  }

  private runNext(): void {
    while (this.inFlight < this.options.maxConcurrent && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.options.maxItems);
      this.inFlight += 1;
      void this.runAll(group.map((g) => g.item))
        .then(
          (outs) => {
            if (outs.length !== group.length)
              throw new Error(`coalescer: ${outs.length} results for ${group.length} items`);
            group.forEach((g, i) => g.resolve(outs[i] as Out));
          },
          (err: unknown) => group.forEach((g) => g.reject(err)),
        )
        .catch((err: unknown) => group.forEach((g) => g.reject(err)))
        .finally(() => {
          this.inFlight -= 1;
          this.runNext();
        });
    }
  }
}
