import { context, trace } from '@opentelemetry/api';
import { deadLetterTopicOf, type EventEnvelope } from '@textback/contracts';
import {
  aCallEnded,
  aLocation,
  aReplyRequest,
  aTextbackRequest,
  eventually,
  installTestTracing,
} from '@textback/testing';
import {
  EventBus,
  deadLetterHeaders,
  type EventBusOptions,
  provisionTopics,
  type DeliveredMessage,
  type Transport,
} from '../src';

/**
 * The one contract every transport passes. `makeTransport` returns a transport bound to a
 * fresh namespace (topic prefix / broker) for each test, shared by the buses it creates.
 */
export function transportContract(
  name: string,
  makeTransport: () => Promise<() => Transport>,
): void {
  describe(`${name} transport contract`, () => {
    const exporter = installTestTracing();
    const cleanups: (() => Promise<void>)[] = [];
    let newTransport: () => Transport;

    beforeEach(async () => {
      newTransport = await makeTransport();
      const t = newTransport();
      await t.connect();
      await provisionTopics(t);
      cleanups.push(() => t.close());
    });

    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    function bus(
      service: string,
      retry = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
      unitOfWork?: EventBusOptions['unitOfWork'],
      more: Partial<EventBusOptions> = {},
    ): EventBus {
      const transport = newTransport();
      const b = new EventBus({
        service,
        transport,
        retry,
        ...(unitOfWork ? { unitOfWork } : {}),
        ...more,
      });
      cleanups.push(async () => {
        await b.stop();
        await transport.close();
      });
      return b;
    }

    async function collectDeadLetters(): Promise<DeliveredMessage[]> {
      const seen: DeliveredMessage[] = [];
      const t = newTransport();
      await t.connect();
      const sub = await t.consume(
        { groupId: 'dlt-reader', topics: [deadLetterTopicOf('call.ended.v1')] },
        async (batch) => {
          seen.push(...batch);
        },
      );
      cleanups.push(async () => {
        await sub.stop();
        await t.close();
      });
      return seen;
    }

    it('delivers events of one key in the order they were published', async () => {
      const consumer = bus('orderer');
      const seen = new Map<string, number[]>();
      consumer.subscribe('call.ended.v1', async (e) => {
        const n = Number(e.payload.durationSeconds);
        seen.set(e.key, [...(seen.get(e.key) ?? []), n]);
        // Uneven handler time: order must come from the transport, not from luck.
        await new Promise((r) => setTimeout(r, n % 3));
      });
      await consumer.start();
      const producer = bus('orderer-producer');
      await producer.start();
      const keys = ['loc-a:+14045550101', 'loc-b:+14045550102', 'loc-c:+14045550103'];
      for (let n = 0; n < 30; n++) {
        await producer.publish('call.ended.v1', keys[n % 3]!, aCallEnded({ durationSeconds: n }));
      }
      await eventually(() => [...seen.values()].flat().length === 30, { what: '30 events' });
      for (const [i, key] of keys.entries()) {
        expect(seen.get(key)).toEqual(Array.from({ length: 10 }, (_, j) => j * 3 + i));
      }
    });

    it('redelivers an event whose handler crashed before the commit', async () => {
      const first = bus('crasher');
      const deliveries: string[] = [];
      let crashWhileHandling = true;
      first.subscribe('call.ended.v1', async (e) => {
        deliveries.push(e.metadata.id);
        if (crashWhileHandling) await new Promise(() => undefined); // dies mid-handler
      });
      await first.start();
      const meta = await bus('crasher-producer').publish('call.ended.v1', 'k', aCallEnded());
      await eventually(() => deliveries.length === 1, { what: 'first delivery' });
      await first.crash();
      crashWhileHandling = false;

      const restarted = bus('crasher');
      restarted.subscribe('call.ended.v1', async (e) => {
        deliveries.push(e.metadata.id);
      });
      await restarted.start();
      await eventually(() => deliveries.length === 2, { what: 'redelivery', timeoutMs: 40_000 });
      expect(deliveries).toEqual([meta.id, meta.id]);
    });

    it('drains in-flight work on a graceful stop and commits it', async () => {
      const first = bus('drainer');
      const finished: string[] = [];
      let started = 0;
      first.subscribe('call.ended.v1', async (e) => {
        started++;
        await new Promise((r) => setTimeout(r, 300));
        finished.push(e.metadata.id);
      });
      await first.start();
      const meta = await bus('drainer-producer').publish('call.ended.v1', 'k', aCallEnded());
      await eventually(() => started === 1, { what: 'handler started' });
      await first.stop();
      expect(finished).toEqual([meta.id]);

      const again = bus('drainer');
      const redelivered: string[] = [];
      again.subscribe('call.ended.v1', async (e) => {
        redelivered.push(e.metadata.id);
      });
      await again.start();
      const marker = await bus('drainer-producer').publish('call.ended.v1', 'k', aCallEnded());
      await eventually(() => redelivered.includes(marker.id), { what: 'the next event' });
      expect(redelivered).toEqual([marker.id]);
    });

    it('retries a failing handler, then parks the event on the dead-letter topic and moves on', async () => {
      const deadLetters = await collectDeadLetters();
      const consumer = bus('failer');
      let attempts = 0;
      const handled: string[] = [];
      consumer.subscribe('call.ended.v1', async (e) => {
        if (e.payload.callId === 'poison') {
          attempts++;
          throw new Error('boom: downstream refused');
        }
        handled.push(e.payload.callId);
      });
      await consumer.start();
      const producer = bus('failer-producer');
      await producer.publish('call.ended.v1', 'same-key', aCallEnded({ callId: 'poison' }));
      await producer.publish('call.ended.v1', 'same-key', aCallEnded({ callId: 'after-poison' }));

      const [dead] = await eventually(() => deadLetters.length > 0 && deadLetters, {
        what: 'a dead letter',
      });
      expect(attempts).toBe(3);
      expect(dead!.headers[deadLetterHeaders.error]).toContain('boom: downstream refused');
      expect(dead!.headers[deadLetterHeaders.errorKind]).toBe('handler-failed');
      expect(dead!.headers[deadLetterHeaders.attempts]).toBe('3');
      expect(dead!.headers[deadLetterHeaders.originalTopic]).toBe('call.ended.v1');
      expect(JSON.parse(dead!.value)).toMatchObject({ callId: 'poison' });
      await eventually(() => handled.includes('after-poison'), {
        what: 'the next event on the key',
      });
    });

    it('carries the W3C trace context from publisher to consumer', async () => {
      const consumer = bus('tracer');
      const seen: { traceId?: string; parent?: string }[] = [];
      consumer.subscribe('call.ended.v1', async (e) => {
        seen.push({
          traceId: trace.getActiveSpan()?.spanContext().traceId,
          parent: e.metadata.traceparent,
        });
      });
      await consumer.start();
      const producer = bus('tracer-producer');
      const tracer = trace.getTracer('contract');
      const root = tracer.startSpan('webhook');
      await context.with(trace.setSpan(context.active(), root), () =>
        producer.publish('call.ended.v1', 'k', aCallEnded()),
      );
      root.end();
      await eventually(() => seen.length === 1, { what: 'traced delivery' });
      const rootTrace = root.spanContext().traceId;
      expect(seen[0]!.traceId).toBe(rootTrace);
      expect(seen[0]!.parent).toMatch(new RegExp(`^00-${rootTrace}-[0-9a-f]{16}-01$`));
      const spans = exporter
        .getFinishedSpans()
        .filter((s) => s.spanContext().traceId === rootTrace);
      const consumerSpan = await eventually(
        () =>
          exporter
            .getFinishedSpans()
            .find(
              (s) => s.spanContext().traceId === rootTrace && s.name === 'process call.ended.v1',
            ),
        { what: 'consumer span' },
      );
      const producerSpan = spans.find((s) => s.name === 'publish call.ended.v1');
      expect(producerSpan?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(consumerSpan.parentSpanContext?.spanId).toBe(producerSpan?.spanContext().spanId);
    });

    it('sends a malformed message to the dead-letter topic instead of crashing', async () => {
      const deadLetters = await collectDeadLetters();
      const consumer = bus('validator');
      const handled: EventEnvelope<'call.ended.v1'>[] = [];
      consumer.subscribe('call.ended.v1', async (e) => {
        handled.push(e);
      });
      await consumer.start();
      const raw = newTransport();
      await raw.connect();
      cleanups.push(() => raw.close());
      const headers = {
        'event-id': '2b4f7c1e-58a0-4c1e-9a51-9f0f6c3d1a10',
        'event-type': 'call.ended.v1',
        'event-source': 'forger',
        'event-time': new Date().toISOString(),
      };
      await raw.send([
        { topic: 'call.ended.v1', key: 'k', value: '{not json', headers },
        {
          topic: 'call.ended.v1',
          key: 'k',
          value: JSON.stringify({ ...aCallEnded(), callerNumber: '555-CALL-ME' }),
          headers,
        },
      ]);
      await bus('validator-producer').publish('call.ended.v1', 'k', aCallEnded({ callId: 'good' }));

      await eventually(() => deadLetters.length === 2, { what: 'two dead letters' });
      expect(deadLetters.map((d) => d.headers[deadLetterHeaders.errorKind])).toEqual([
        'malformed',
        'malformed',
      ]);
      expect(deadLetters[0]!.headers[deadLetterHeaders.error]).toContain('not JSON');
      expect(deadLetters[1]!.headers[deadLetterHeaders.error]).toContain('callerNumber');
      await eventually(() => handled.some((h) => h.payload.callId === 'good'), {
        what: 'the valid event',
      });
      expect(handled).toHaveLength(1);
    });

    /**
     * A stand-in for a database transaction: what a unit's handlers write is staged and kept
     * only when the whole unit succeeds. Events here share one key, so units never overlap.
     */
    function stagingUnit(firstUnitMs = 0): {
      unitOfWork: NonNullable<EventBusOptions['unitOfWork']>;
      write(id: string): void;
      committed: string[];
      units: number[];
    } {
      const committed: string[] = [];
      const units: number[] = [];
      let staging: string[] | undefined;
      return {
        committed,
        units,
        write: (id) => void (staging ?? committed).push(id),
        unitOfWork: async (work) => {
          if (units.length === 0 && firstUnitMs > 0)
            await new Promise((resolve) => setTimeout(resolve, firstUnitMs));
          staging = [];
          try {
            await work();
            units.push(staging.length);
            committed.push(...staging);
          } finally {
            staging = undefined;
          }
        },
      };
    }

    it('hands a backlog over in batches, each one unit of work, in order', async () => {
      const producer = bus('batcher-producer');
      const ids = Array.from({ length: 12 }, (_, n) => `call-${n}`);
      for (const callId of ids)
        await producer.publish('call.ended.v1', 'k', aCallEnded({ callId }));
      const unit = stagingUnit();
      const consumer = bus('batcher', undefined, unit.unitOfWork);
      consumer.subscribe('call.ended.v1', async (e) => unit.write(e.payload.callId));
      await consumer.start();
      await eventually(() => unit.committed.length >= ids.length, { what: 'the backlog' });
      expect(unit.committed).toEqual(ids);
      expect(Math.max(...unit.units)).toBeGreaterThan(1);
    });

    it('hands the batches of several partitions delivered together over in one unit, each in order', async () => {
      const producer = bus('merger-producer');
      const location = aLocation();
      const sent: string[] = [];
      for (let n = 1; n <= 4; n++) {
        await producer.publish('call.ended.v1', 'k', aCallEnded({ callId: `call-${n}` }));
        await producer.publish(
          'textback.requested.v1',
          'k',
          aTextbackRequest(location, { callId: `textback-${n}` }),
        );
        const reply = aReplyRequest(location);
        await producer.publish('sms.reply-requested.v1', 'k', reply);
        sent.push(`call-${n}`, `textback-${n}`, `reply-${reply.replyId}`);
      }
      // The first unit is slow: what is delivered meanwhile waits and goes into the next one.
      const unit = stagingUnit(100);
      const consumer = bus('merger', undefined, unit.unitOfWork, { unitsInFlight: 1 });
      consumer.subscribe('call.ended.v1', async (e) => unit.write(e.payload.callId));
      consumer.subscribe('textback.requested.v1', async (e) => unit.write(e.payload.callId));
      consumer.subscribe('sms.reply-requested.v1', async (e) =>
        unit.write(`reply-${e.payload.replyId}`),
      );
      await consumer.start();
      await eventually(() => unit.committed.length >= sent.length, { what: 'the backlog' });
      // Every event once, each topic-partition's in the order sent.
      expect([...unit.committed].sort()).toEqual([...sent].sort());
      for (const prefix of ['call-', 'textback-', 'reply-'])
        expect(unit.committed.filter((id) => id.startsWith(prefix))).toEqual(
          sent.filter((id) => id.startsWith(prefix)),
        );
      // Three partitions' batches: handed over in one turn they share a unit; any that come
      // later wait for the slow first unit and go into the next one together.
      expect(Math.max(...unit.units)).toBeGreaterThanOrEqual(8);
    });

    it('isolates a failing event from its batch: the others are kept once, it alone is dead-lettered', async () => {
      const deadLetters = await collectDeadLetters();
      const producer = bus('isolator-producer');
      const ids = ['a', 'b', 'poison', 'c', 'd'];
      for (const callId of ids)
        await producer.publish('call.ended.v1', 'k', aCallEnded({ callId }));
      const unit = stagingUnit();
      let poisonAttempts = 0;
      const consumer = bus('isolator', undefined, unit.unitOfWork);
      consumer.subscribe('call.ended.v1', async (e) => {
        if (e.payload.callId === 'poison') {
          poisonAttempts++;
          throw new Error('boom: this one is bad');
        }
        unit.write(e.payload.callId);
      });
      await consumer.start();
      await eventually(() => deadLetters.length === 1 && unit.committed.includes('d'), {
        what: 'the batch handled',
      });
      // Nothing of the failed unit was kept; then each event alone: a, b, c, d once each, in order.
      expect(unit.committed).toEqual(['a', 'b', 'c', 'd']);
      expect(JSON.parse(deadLetters[0]!.value)).toMatchObject({ callId: 'poison' });
      // Once in the batch, then its own three attempts.
      expect(poisonAttempts).toBe(4);
    });

    it('refuses to publish a payload that does not match its topic', async () => {
      const producer = bus('strict-producer');
      const bad = { ...aCallEnded(), outcome: 'maybe' };
      // @ts-expect-error: the topic table makes a wrong payload a compile error too.
      await expect(producer.publish('call.ended.v1', 'k', bad)).rejects.toThrow(
        /malformed call.ended.v1/,
      );
    });
  });
}
