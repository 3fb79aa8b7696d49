import { Coalescer } from '@textback/coalescing';
import type { Consumer, IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsumerOptions, DeliveryHandler, Subscription } from '../transport';
import { TransportAbortedError } from '../transport';

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/**
 * Runs a kafkajs consumer: per-partition batches (at most `maxBatchSize` each) handed to
 * `handler` in order, the offset committed after each handled batch, never before. `stop`
 * lets started batches finish and commit; `abort` (a simulated crash) commits nothing more.
 */
export async function consumeBatches(
  consumer: Consumer,
  options: ConsumerOptions & { logicalOf: ReadonlyMap<string, string>; lingerMs?: number },
  handler: DeliveryHandler,
  onClose: () => void,
): Promise<Subscription> {
  const { logicalOf } = options;
  let aborted = false;
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  let abortInFlight: (err: Error) => void = () => undefined;
  const abortSignal = new Promise<never>((_, reject) => {
    abortInFlight = reject;
  });
  abortSignal.catch(() => undefined);

  // Offsets of batches handled together (one unit of work spans several partitions) go to the
  // broker in one OffsetCommit request: one commit after another, the newest offset per partition.
  const commits = new Coalescer<PartitionOffset, void>(
    async (offsets) => {
      if (aborted) throw new TransportAbortedError();
      await consumer.commitOffsets(newestPerPartition(offsets));
      return offsets.map(() => undefined);
    },
    { maxConcurrent: 1, maxItems: 1_000 },
  );

  const joined = waitForJoin(consumer);
  await consumer.connect();
  await consumer.subscribe({ topics: [...logicalOf.keys()], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Every partition's batch of a fetch is handed over at once (the bus gathers them into
    // units, at most `unitsInFlight` at a time); one partition's batches never overlap.
    partitionsConsumedConcurrently: options.concurrency ?? 64,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const size = options.maxBatchSize ?? 100;
      for (let from = 0; from < batch.messages.length; from += size) {
        if (aborted) throw new TransportAbortedError();
        // Fetched but not started when a stop or a rebalance began: left for the next owner.
        if (stopping || !isRunning() || isStale()) return;
        const slice = batch.messages.slice(from, from + size);
        const work = handleAndCommit(
          commits,
          handler,
          logicalOf,
          batch.topic,
          batch.partition,
          slice,
          abortSignal,
        );
        inFlight.add(work);
        try {
          await work;
        } finally {
          inFlight.delete(work);
        }
        const last = slice.at(-1);
        if (last) resolveOffset(last.offset);
        await heartbeat();
      }
      // kafkajs fetches again once every batch of this fetch is done: a pause here lets the
      // next fetch bring more (one unit, one commit for them), while the first event after a
      // quiet spell was handled at once and a quiet consumer long-polls the broker.
      const linger = options.lingerMs ?? 0;
      if (linger > 0 && !stopping && !aborted) await new Promise((r) => setTimeout(r, linger));
    },
  });
  await joined;

  const close = async (): Promise<void> => {
    onClose();
    await consumer.disconnect();
  };
  return {
    // Graceful: stop fetching, let started handlers finish and commit, then leave the group.
    stop: async () => {
      stopping = true;
      consumer.pause([...logicalOf.keys()].map((topic) => ({ topic })));
      await Promise.allSettled([...inFlight]);
      await close();
    },
    abort: async () => {
      aborted = true;
      abortInFlight(new TransportAbortedError());
      await close();
    },
  };
}

interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read (one past the last handled). */
  readonly offset: bigint;
}

function newestPerPartition(
  offsets: readonly PartitionOffset[],
): { topic: string; partition: number; offset: string }[] {
  const newest = new Map<string, PartitionOffset>();
  for (const o of offsets) {
    const key = `${o.topic}\u0000${o.partition}`;
    const known = newest.get(key);
    if (!known || known.offset < o.offset) newest.set(key, o);
  }
  return [...newest.values()].map((o) => ({
    topic: o.topic,
    partition: o.partition,
    offset: o.offset.toString(),
  }));
}

async function handleAndCommit(
  commits: Coalescer<PartitionOffset, void>,
  handler: DeliveryHandler,
  logicalOf: ReadonlyMap<string, string>,
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  abortSignal: Promise<never>,
): Promise<void> {
  const last = messages.at(-1);
  if (!last) return;
  await Promise.race([
    handler(
      messages.map((message) => ({
        topic: logicalOf.get(topic) ?? topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        headers: headerText(message.headers),
      })),
    ),
    abortSignal,
  ]);
  // Commit only after the handler succeeded: a crash before this line means redelivery.
  await commits.submit({ topic, partition, offset: BigInt(last.offset) + 1n });
}

/** Resolves once the consumer has joined its group and got partitions, so sends after it are seen. */
function waitForJoin(consumer: Consumer, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      remove();
      reject(new Error('consumer did not join its group in time'));
    }, timeoutMs);
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      remove();
      resolve();
    });
  });
}
