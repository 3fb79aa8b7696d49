import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Link,
  type Span,
} from '@opentelemetry/api';

const tracer = trace.getTracer('textback');

/** The W3C traceparent of the active span, to store beside work that continues later. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'];
}

/**
 * Captures the active trace context: the returned function runs work in it later, so work
 * gathered from several callers (one transaction for many) stays in each caller's trace.
 */
export function captureContext(): <T>(work: () => T) => T {
  const captured = context.active();
  return (work) => context.with(captured, work);
}

/**
 * Runs `work` in a span. With `parent` (a stored traceparent) the span continues that trace:
 * one call's webhooks, its decision, its send and its delivery reports form one trace even
 * though Plivo calls us in separate requests; the request's own span is kept as a link.
 */
export function inSpan<T>(
  name: string,
  options: {
    service: string;
    parent?: string | null | undefined;
    kind?: SpanKind;
    attributes?: Attributes;
  },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const active = trace.getSpanContext(context.active());
  const base = options.parent
    ? propagation.extract(context.active(), { traceparent: options.parent })
    : context.active();
  const links: Link[] = options.parent && active ? [{ context: active }] : [];
  return tracer.startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      attributes: { 'textback.service': options.service, ...options.attributes },
      links,
    },
    base,
    async (span) => {
      try {
        return await work(span);
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

export { SpanKind };
