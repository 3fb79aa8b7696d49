/**
 * Loaded with `--require` before any application module, so the HTTP and pg instrumentations
 * patch those modules before Nest, TypeORM or kafkajs first require them. Messaging spans are
 * made by @textback/messaging itself (same spans for Kafka and in-process), so the kafkajs
 * instrumentation is deliberately not registered. Spans are exported over OTLP only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise they still give every log line a trace id.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

const env = process.env;
if (env['OTEL_SDK_DISABLED'] !== 'true') {
  const spanProcessors: SpanProcessor[] = env['OTEL_EXPORTER_OTLP_ENDPOINT']
    ? [new BatchSpanProcessor(new OTLPTraceExporter())]
    : [];
  const sdk = new NodeSDK({
    serviceName: env['OTEL_SERVICE_NAME'] ?? 'textback',
    spanProcessors,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') }),
      new PgInstrumentation(),
    ],
  });
  sdk.start();
  const shutdown = (): void => void sdk.shutdown().catch(() => undefined);
  process.once('beforeExit', shutdown);
}
