import { allTopics, deadLetterTopicOf } from '@textback/contracts';
import type { Transport } from './transport';

/** Every topic of the contracts table and its dead-letter topic. */
export function provisionedTopicNames(): string[] {
  return allTopics.flatMap((t) => [t, deadLetterTopicOf(t)]);
}

export async function provisionTopics(transport: Transport): Promise<void> {
  await transport.ensureTopics(provisionedTopicNames());
}
