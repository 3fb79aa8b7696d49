/** `npm run kafka`: a local broker for running services against Kafka by hand. */
import { startKafka } from '@textback/testing';

void startKafka().then((kafka) => {
  process.stdout.write(
    `KAFKA_BROKERS=${kafka.brokers}\n(broker pid ${kafka.pid}, log ${kafka.logFile}; Ctrl-C stops it)\n`,
  );
  const shutdown = (): void => void kafka.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
});
