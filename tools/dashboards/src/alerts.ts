/** Prometheus alert rules as typed data (a PrometheusRule's `spec`). */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'page' | 'ticket' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export const alertRules: readonly AlertRule[] = [
  {
    alert: 'TextbackTimeToTextSlow',
    expr: 'histogram_quantile(0.95, sum by (le) (rate(sms_dispatch_time_to_text_seconds_bucket[10m]))) > 60',
    for: '10m',
    labels: { severity: 'page' },
    annotations: {
      summary: 'Missed callers wait more than a minute for their text (p95)',
      description:
        'p95 from call end to the carrier accepting the text-back is {{ $value | humanizeDuration }}.',
    },
  },
  {
    alert: 'TextbackDeadLettersGrowing',
    expr: 'sum by (service, topic) (increase({__name__=~".+_consumer_dead_lettered_total"}[15m])) > 0',
    for: '0m',
    labels: { severity: 'ticket' },
    annotations: {
      summary: 'Events are being dead-lettered',
      description:
        '{{ $labels.service }} parked events from {{ $labels.topic }} on its dead-letter topic.',
    },
  },
  {
    alert: 'TextbackConsumerLagHigh',
    expr: 'max by (service, topic) ({__name__=~".+_consumer_lag"}) > 1000',
    for: '10m',
    labels: { severity: 'page' },
    annotations: {
      summary: 'A consumer is falling behind',
      description: '{{ $labels.service }} is {{ $value }} events behind on {{ $labels.topic }}.',
    },
  },
  {
    alert: 'TextbackCarrierErrorRateHigh',
    expr: 'sum(rate(sms_dispatch_carrier_sends_total{result!="accepted"}[10m])) / sum(rate(sms_dispatch_carrier_sends_total[10m])) > 0.1',
    for: '10m',
    labels: { severity: 'page' },
    annotations: {
      summary: 'More than 10% of carrier sends fail',
      description: 'Carrier send failure ratio is {{ $value | humanizePercentage }}.',
    },
  },
  {
    alert: 'TextbackWebhookSignatureFailures',
    expr: 'sum by (service) (rate({__name__=~".+_webhook_signature_failures_total"}[5m])) > 0.2',
    for: '5m',
    labels: { severity: 'ticket' },
    annotations: {
      summary: 'Webhooks with bad signatures are arriving',
      description:
        '{{ $labels.service }} refuses {{ $value }} webhooks/s for bad or missing signatures: a misconfigured token or forged traffic.',
    },
  },
  {
    alert: 'TextbackReportingFactsWaiting',
    expr: 'max(reporting_read_model_waiting_facts) > 0',
    for: '30m',
    labels: { severity: 'ticket' },
    annotations: {
      summary: 'Reporting holds facts for a location it never learned',
      description:
        '{{ $value }} facts wait for their location profile: the funnel under-counts until location.configured.v1 reaches reporting.',
    },
  },
  {
    alert: 'TextbackAnalystKeyRefusalsSpiking',
    expr: 'sum(rate(reporting_api_auth_failures_total[5m])) > 1',
    for: '10m',
    labels: { severity: 'ticket' },
    annotations: {
      summary: 'The reporting API refuses many keys',
      description:
        '{{ $value }} requests/s with a missing, unknown or revoked analyst key: a revoked key still in use, or someone guessing.',
    },
  },
  {
    alert: 'TextbackPeriodicTaskFailing',
    expr: 'sum by (service, task) (increase({__name__=~".+_task_failures_total"}[2h])) > 0',
    for: '0m',
    labels: { severity: 'ticket' },
    annotations: {
      summary: 'A periodic task (personal-data retention, purges) is failing',
      description:
        '{{ $labels.service }}: task {{ $labels.task }} failed; personal data past its retention may not be redacted.',
    },
  },
  {
    alert: 'TextbackLocationProfilesUnreadable',
    expr: 'max by (service) ({__name__=~".+_location_directory_invalid_profiles"}) > 0',
    for: '5m',
    labels: { severity: 'page' },
    annotations: {
      summary: 'A service cannot read stored location profiles',
      description:
        '{{ $labels.service }} cannot read {{ $value }} stored profiles (a schema change without a migration?); it serves their last good copy until fixed.',
    },
  },
  {
    alert: 'TextbackLocationDirectoryReloadFailing',
    expr: 'sum by (service) (increase({__name__=~".+_location_directory_reload_failures_total"}[15m])) > 3',
    for: '0m',
    labels: { severity: 'ticket' },
    annotations: {
      summary: 'A service cannot reload its location directory',
      description:
        '{{ $labels.service }} failed to reload location profiles; replicas may serve stale settings.',
    },
  },
  {
    alert: 'TextbackStaffAlertsFailing',
    expr: 'sum by (channel) (increase(conversation_staff_alerts_total{outcome="failed"}[30m])) > 0',
    for: '0m',
    labels: { severity: 'ticket' },
    annotations: {
      summary: 'Staff alerts are failing: people are not told that customers wait',
      description:
        "{{ $value }} {{ $labels.channel }} alerts gave up in 30 minutes (a push service, the SMTP server, or no reachable phone): check conversation's log and the channel's configuration.",
    },
  },
  {
    alert: 'TextbackWebhooksShed',
    expr: 'sum by (service, route) (increase({__name__=~".+_webhooks_shed_total"}[5m])) > 0',
    for: '0m',
    labels: { severity: 'page' },
    annotations: {
      summary: 'A service is shedding webhooks (503): it has more in flight than it can take',
      description:
        '{{ $labels.service }} refused {{ $value }} webhooks on {{ $labels.route }} in 5 minutes. Plivo retries them (+60/+120/+240 s), but only three times: add replicas or find what is slow (work_in_flight, consumer lag).',
    },
  },
];
