/**
 * Loaded with `--require` before any application module, so the HTTP and pg instrumentations
 * patch those modules before Nest, TypeORM or kafkajs first require them. Messaging spans are
 * made by @textback/messaging itself (same spans for Kafka and in-process), so the kafkajs
 * instrumentation is deliberately not registered. Spans are exported over OTLP only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, sampled as OTEL_TRACES_SAMPLER says (the chart: a ratio of
 * traces, decided once at the root so a trace is whole). With no exporter nothing is recorded
 * (recording spans nobody reads cost ~10 % of each service's CPU), but every operation still gets
 * a trace id, carried across services, for its log lines.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

const env = process.env;
if (env['OTEL_SDK_DISABLED'] !== 'true') {
  // Metrics are prom-client's (/metrics) and logs pino's: OpenTelemetry only traces, so it does
  // not also record a histogram per pg statement nor export metrics and logs nobody reads.
  env['OTEL_METRICS_EXPORTER'] ??= 'none';
  env['OTEL_LOGS_EXPORTER'] ??= 'none';
  const exporting = Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const spanProcessors: SpanProcessor[] = exporting
    ? [new BatchSpanProcessor(new OTLPTraceExporter())]
    : [];
  const sdk = new NodeSDK({
    serviceName: env['OTEL_SERVICE_NAME'] ?? 'textback',
    spanProcessors,
    // Unset: the SDK reads OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG.
    ...(exporting ? {} : { sampler: new AlwaysOffSampler() }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? ''),
      }),
      // Only statements inside a traced operation get a span: pollers' queries (outbox, send
      // worker, timers) would otherwise each start a trace of their own, many times a second.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  const shutdown = (): void => void sdk.shutdown().catch(() => undefined);
  process.once('beforeExit', shutdown);
}
