import { allTopics, deadLetterTopicOf, topics } from '@textback/contracts';
import type { TopicSpec, Transport } from './transport';

/** Every topic of the contracts table and its dead-letter topic. */
export function provisionedTopics(): TopicSpec[] {
  return allTopics.flatMap((t) => [
    { name: t, compacted: 'compacted' in topics[t] && topics[t].compacted === true },
    { name: deadLetterTopicOf(t) },
  ]);
}

export async function provisionTopics(transport: Transport): Promise<void> {
  await transport.ensureTopics(provisionedTopics());
}
