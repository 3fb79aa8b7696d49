import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';
import { maskPhone } from '@textback/contracts';

/** Field names whose values are personal data: phone numbers are masked, bodies removed. */
const phoneFields = [
  'from',
  'to',
  'callerNumber',
  'businessNumber',
  'phoneNumber',
  'From',
  'To',
  'caller',
];
const bodyFields = ['text', 'body', 'Text', 'message'];

/**
 * Structured JSON logs with the active trace and span ids on every line, and personal data
 * masked by field name at any depth up to two levels (pino's redact).
 */
export function createLogger(
  service: string,
  level = 'info',
  destination?: DestinationStream,
): Logger {
  const paths = [...phoneFields, ...bodyFields].flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [...paths, 'req.headers.authorization', 'req.headers["x-plivo-signature-v3"]'],
      censor: (value: unknown, path: string[]) => {
        const field = path[path.length - 1] ?? '';
        if (bodyFields.includes(field)) return '[redacted]';
        return typeof value === 'string' ? maskPhone(value) : '[redacted]';
      },
    },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      // No active trace (or a non-recording placeholder): no ids, rather than all zeros.
      return span && isSpanContextValid(span)
        ? { trace_id: span.traceId, span_id: span.spanId }
        : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
