import { InProcessBroker, InProcessTransport } from '../src';
import { transportContract } from './transport-contract';

transportContract('in-process', async () => {
  const broker = new InProcessBroker({ partitions: 3 });
  return () => new InProcessTransport(broker);
});
