import { Inject, Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { counterOf, histogramOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';

/** sms-dispatch's own metrics (purposes and results only: never a number or a tenant). */
@Injectable()
export class DispatchMetrics {
  readonly carrierSends: Counter<'result'>;
  readonly texts: Counter<'outcome' | 'purpose'>;
  readonly timeToText: Histogram;
  readonly consentUnavailable: Counter;
  readonly stages: Histogram<'stage'>;

  constructor(@Inject(RUNTIME) runtime: ServiceRuntime) {
    const { registry } = runtime;
    this.carrierSends = counterOf(
      registry,
      'sms_dispatch_carrier_sends_total',
      'Carrier send attempts by result (accepted, refused-retryable, refused, ambiguous).',
      ['result'],
    );
    this.texts = counterOf(
      registry,
      'sms_dispatch_texts_total',
      'Texts by outcome (sent = accepted by the carrier, delivered, failed, suppressed) and purpose',
      ['outcome', 'purpose'],
    );
    this.timeToText = histogramOf(
      registry,
      'sms_dispatch_time_to_text_seconds',
      'From the end of a missed call to the carrier accepting its text-back',
      [],
      [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    );
    this.consentUnavailable = counterOf(
      registry,
      'sms_dispatch_consent_unavailable_total',
      'Sends held back because compliance did not answer the consent check (retried later).',
      [],
    );
    this.stages = histogramOf(
      registry,
      'sms_dispatch_send_stage_seconds',
      'Time a send spends in each stage: consent re-check, rate limits, the carrier call, recording the result.',
      ['stage'],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
  }
}
