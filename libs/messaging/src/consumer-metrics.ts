import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** `<service>_consumer_*` metrics, labelled by topic only (bounded, never personal data). */
export class ConsumerMetrics {
  private readonly handledTotal: Counter<'topic'>;
  private readonly failedTotal: Counter<'topic'>;
  private readonly deadLetteredTotal: Counter<'topic'>;
  private readonly duration: Histogram<'topic' | 'outcome'>;
  private readonly workInFlight: Gauge<'kind'>;
  private eventsInFlight = 0;

  constructor(registry: Registry, prefix: string, lag?: () => Promise<Map<string, number>>) {
    const p = prefix.replace(/[^a-zA-Z0-9_]/g, '_');
    if (lag) {
      // Read at scrape time from the broker (committed offsets vs. log end), per subscribed topic.
      new Gauge({
        name: `${p}_consumer_lag`,
        help: 'Events published but not yet committed by this service, per topic',
        labelNames: ['topic'],
        registers: [registry],
        async collect() {
          const byTopic = await lag().catch(() => new Map<string, number>());
          for (const [topic, value] of byTopic) this.set({ topic }, value);
        },
      });
    }
    // Shared with the HTTP side (service-kit's load shedding counts requests under kind="http").
    const inFlightName = `${p}_work_in_flight`;
    this.workInFlight =
      (registry.getSingleMetric(inFlightName) as Gauge<'kind'> | undefined) ??
      new Gauge({
        name: inFlightName,
        help: 'Work being handled right now: HTTP requests (kind="http") and events (kind="events")',
        labelNames: ['kind'],
        registers: [registry],
      });
    this.workInFlight.set({ kind: 'events' }, 0);
    this.handledTotal = new Counter({
      name: `${p}_consumer_handled_total`,
      help: 'Events handled successfully',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.failedTotal = new Counter({
      name: `${p}_consumer_failed_total`,
      help: 'Handler attempts that failed (each retry counts)',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.deadLetteredTotal = new Counter({
      name: `${p}_consumer_dead_lettered_total`,
      help: 'Events parked on a dead-letter topic',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: `${p}_consumer_handle_duration_seconds`,
      help: 'Time from delivery to commit decision, retries included',
      labelNames: ['topic', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  /** Events of batches being handled (bounded by partitions × batch size). */
  inFlight(change: number): void {
    this.eventsInFlight += change;
    this.workInFlight.set({ kind: 'events' }, this.eventsInFlight);
  }

  handled(topic: string, started: bigint): void {
    this.handledTotal.inc({ topic });
    this.duration.observe({ topic, outcome: 'handled' }, seconds(started));
  }

  failed(topic: string): void {
    this.failedTotal.inc({ topic });
  }

  deadLettered(topic: string, started: bigint): void {
    this.deadLetteredTotal.inc({ topic });
    this.duration.observe({ topic, outcome: 'dead-lettered' }, seconds(started));
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
