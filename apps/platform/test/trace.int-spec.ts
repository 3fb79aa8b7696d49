import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { playCall } from '@textback/plivo-fake';
import { eventually, installTestTracing } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from './test-platform';

/**
 * One trace per call: from Plivo's answer_url through call-ingest, decision and sms-dispatch to
 * the carrier call and its delivery reports, across the event transport via `traceparent`.
 */
describe('one trace from the voice webhook to the delivery report', () => {
  const exporter = installTestTracing();
  let t: TestPlatform;

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'trace' });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('links every step of a missed call as parent and child across services', async () => {
    exporter.reset();
    const caller = '+14045556611';
    const played = await playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to: '+14045550100',
      scenario: 'missed',
    });
    await eventually(
      async () => {
        const { rows } = await t.db.query(
          `SELECT state FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE call_id = $1`,
          [played.callUuid],
        );
        return (rows[0] as { state: string } | undefined)?.state === 'delivered';
      },
      { what: 'the text to be delivered' },
    );
    await t.fake.settle();

    const spans = exporter.getFinishedSpans();
    const answer = spans.find((s) => s.name === 'plivo.voice.answer');
    expect(answer).toBeDefined();
    const traceId = answer!.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const byId = new Map(inTrace.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan): ReadableSpan | undefined =>
      s.parentSpanContext ? byId.get(s.parentSpanContext.spanId) : undefined;
    const named = (name: string, service?: string): ReadableSpan => {
      const found = inTrace.find(
        (s) => s.name === name && (!service || s.attributes['textback.service'] === service),
      );
      if (!found)
        throw new Error(
          `no span ${name} (${service ?? 'any'}) in the call's trace; have: ${inTrace.map((s) => `${s.name}@${String(s.attributes['textback.service'])}`).join(', ')}`,
        );
      return found;
    };
    /** `child` descends from `ancestor` through recorded parents. */
    const descends = (child: ReadableSpan, ancestor: ReadableSpan): boolean => {
      for (let s: ReadableSpan | undefined = child; s; s = parentOf(s))
        if (s === ancestor) return true;
      return false;
    };

    const hangup = named('plivo.voice.hangup', 'call-ingest');
    const decided = named('process call.ended.v1', 'decision');
    const requested = named('process textback.requested.v1', 'sms-dispatch');
    const send = named('sms.send', 'sms-dispatch');
    const carrier = named('plivo.message.create', 'sms-dispatch');
    const reports = inTrace.filter((s) => s.name === 'plivo.delivery-report');

    expect(parentOf(hangup)).toBe(answer);
    expect(descends(decided, hangup) || descends(decided, answer!)).toBe(true);
    expect(descends(requested, decided)).toBe(true);
    expect(descends(send, requested)).toBe(true);
    expect(parentOf(carrier)).toBe(send);
    // "delivered" is applied under the send's trace; "queued" and "sent" only when they came
    // before the acceptance was recorded (after it they change nothing and are not applied).
    const statuses = reports.map((r) => r.attributes['textback.sms.status']);
    expect(statuses).toContain('delivered');
    for (const status of statuses) expect(['queued', 'sent', 'delivered']).toContain(status);
    // Reports continue the send record's trace: under the send once it was accepted, else (a
    // report racing our own record of the acceptance) under the request that created the send.
    for (const r of reports) expect(descends(r, send) || descends(r, requested)).toBe(true);
    // Every span of the trace hangs off the answer_url span: no orphans.
    for (const s of inTrace) expect(descends(s, answer!)).toBe(true);
  });
});
