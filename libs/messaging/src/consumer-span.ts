import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe } from './event-messages';
import type { DeliveredMessage } from './transport';

const tracer = trace.getTracer('@textback/messaging');

/**
 * Runs `work` in a consumer span continuing the publisher's trace: what the handler writes
 * (outbox rows) continues it too.
 */
export function inConsumerSpan(
  message: DeliveredMessage,
  transportKind: string,
  service: string,
  work: () => Promise<void>,
): Promise<void> {
  const parent = propagation.extract(context.active(), message.headers);
  const attributes = {
    'messaging.system': transportKind,
    'messaging.destination.name': message.topic,
    'textback.service': service,
  };
  return context.with(parent, () =>
    tracer.startActiveSpan(
      `process ${message.topic}`,
      { kind: SpanKind.CONSUMER, attributes },
      async (span) => {
        try {
          await work();
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: describe(err) });
          throw err;
        } finally {
          span.end();
        }
      },
    ),
  );
}
