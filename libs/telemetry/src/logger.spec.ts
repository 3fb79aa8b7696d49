import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { installTestTracing } from '@textback/testing';
import { createLogger } from './logger';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logger', () => {
  it('masks phone numbers and drops message bodies, at any of the first levels', () => {
    const out = capture();
    const real = createLogger('test', 'info', out.stream);
    real.info(
      {
        callerNumber: '+14045550101',
        sms: { to: '+14045550102', text: 'my address is 1 Main St' },
      },
      'text-back sent',
    );
    const [line] = out.lines();
    const json = JSON.stringify(line);
    expect(json).not.toContain('4045550101');
    expect(json).not.toContain('Main St');
    expect(line).toMatchObject({
      callerNumber: '+1******01',
      sms: { to: '+1******02', text: '[redacted]' },
      service: 'test',
    });
  });

  it('puts the active trace id on every line', () => {
    installTestTracing();
    const out = capture();
    const logger = createLogger('test', 'info', out.stream);
    const span = trace.getTracer('t').startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside a span'));
    span.end();
    expect(out.lines()[0]).toMatchObject({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
  });

  it('writes no trace ids outside a trace (never an all-zero id), and names the service on every line', () => {
    installTestTracing();
    const out = capture();
    const logger = createLogger('sms-dispatch', 'info', out.stream);
    logger.info('outside any span');
    context.with(
      trace.setSpan(
        context.active(),
        trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }),
      ),
      () => logger.info('inside an invalid span'),
    );
    for (const line of out.lines()) {
      expect(line).toMatchObject({ service: 'sms-dispatch' });
      expect(line).not.toHaveProperty('trace_id');
    }
  });
});
