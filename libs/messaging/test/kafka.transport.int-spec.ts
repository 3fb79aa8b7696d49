import { uniqueTestPrefix } from '@textback/testing';
import { KafkaTransport } from '../src';
import { transportContract } from './transport-contract';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');

transportContract('kafka', async () => {
  const topicPrefix = `${uniqueTestPrefix('contract')}.`;
  return () =>
    new KafkaTransport({
      brokers,
      clientId: 'contract-test',
      topicPrefix,
      partitions: 3,
      sessionTimeoutMs: 10_000,
    });
});
