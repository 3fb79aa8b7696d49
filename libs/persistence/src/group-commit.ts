/**
 * Group commit: items submitted while a write is in flight wait for the next write and go in it
 * together, one statement for many requests. Each submitter's promise settles when the write
 * holding its item has committed (or failed: then every item of that write fails, and each
 * sender retries). Nothing waits when nothing is in flight, so a quiet service adds no latency
 * and a busy one makes fewer, bigger writes.
 *
 * DataLoader was considered: it gathers what is asked within one tick, and webhooks arrive in
 * separate ticks, so it would need a fixed delay on every request to batch at all.
 */
export class GroupCommit<In, Out> {
  private readonly waiting: {
    item: In;
    resolve: (out: Out) => void;
    reject: (err: unknown) => void;
  }[] = [];
  private inFlight = 0;

  /**
   * @param writeAll writes the items in one statement; returns one result per item, in order.
   * @param options.maxConcurrent writes in flight at once (a slow one does not stall the rest).
   * @param options.maxItems items per write at most.
   */
  constructor(
    private readonly writeAll: (items: readonly In[]) => Promise<readonly Out[]>,
    private readonly options: { maxConcurrent: number; maxItems: number } = {
      maxConcurrent: 2,
      maxItems: 200,
    },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.writeNext();
    });
  }

  private writeNext(): void {
    while (this.inFlight < this.options.maxConcurrent && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.options.maxItems);
      this.inFlight += 1;
      void this.writeAll(group.map((g) => g.item))
        .then(
          (outs) => {
            if (outs.length !== group.length)
              throw new Error(`group commit: ${outs.length} results for ${group.length} items`);
            group.forEach((g, i) => g.resolve(outs[i] as Out));
          },
          (err: unknown) => group.forEach((g) => g.reject(err)),
        )
        .catch((err: unknown) => group.forEach((g) => g.reject(err)))
        .finally(() => {
          this.inFlight -= 1;
          this.writeNext();
        });
    }
  }
}
