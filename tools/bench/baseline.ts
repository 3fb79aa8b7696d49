import { Kafka, logLevel } from 'kafkajs';
import { uniqueTestPrefix } from '@textback/testing';

const round = (n: number): number => Math.round(n * 10) / 10;

/** The ceiling: a bare kafkajs relay over three topics (produce → hop → hop → consume). */
export async function bareKafkaRelay(brokers: string, messages: number): Promise<number> {
  const prefix = uniqueTestPrefix('relay');
  const kafka = new Kafka({
    clientId: 'bench-relay',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topics = [`${prefix}.hop0`, `${prefix}.hop1`, `${prefix}.hop2`] as const;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: 6 })),
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumers = [];
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  for (let hop = 0; hop < 3; hop++) {
    const consumer = kafka.consumer({ groupId: `${prefix}-hop${hop}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics[hop] ?? topics[0], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const nextTopic = topics[hop + 1];
        if (nextTopic)
          await producer.send({
            topic: nextTopic,
            acks: -1,
            messages: [{ key: message.key, value: message.value }],
          });
        else if (++done === messages) finish();
      },
    });
    consumers.push(consumer);
  }
  const started = performance.now();
  const batch = 50;
  for (let i = 0; i < messages; i += batch) {
    await producer.send({
      topic: topics[0],
      acks: -1,
      messages: Array.from({ length: Math.min(batch, messages - i) }, (_, j) => ({
        key: `k${(i + j) % 97}`,
        value: `{"call":${i + j}}`,
      })),
    });
  }
  await Promise.race([finished, new Promise((r) => setTimeout(r, 120_000))]);
  const perSecond = done / ((performance.now() - started) / 1000);
  for (const c of consumers) await c.disconnect();
  await producer.disconnect();
  return round(perSecond);
}
