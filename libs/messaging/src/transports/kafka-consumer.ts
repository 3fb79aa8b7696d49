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
  options: ConsumerOptions & { logicalOf: ReadonlyMap<string, string> },
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

  const joined = waitForJoin(consumer);
  await consumer.connect();
  await consumer.subscribe({ topics: [...logicalOf.keys()], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrency ?? 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const size = options.maxBatchSize ?? 100;
      for (let from = 0; from < batch.messages.length; from += size) {
        if (aborted) throw new TransportAbortedError();
        // Fetched but not started when a stop or a rebalance began: left for the next owner.
        if (stopping || !isRunning() || isStale()) return;
        const slice = batch.messages.slice(from, from + size);
        const work = handleAndCommit(
          consumer,
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

async function handleAndCommit(
  consumer: Consumer,
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
  await consumer.commitOffsets([
    { topic, partition, offset: (BigInt(last.offset) + 1n).toString() },
  ]);
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
