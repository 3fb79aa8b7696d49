import { dashboard, graph, newDashboard, query, single } from './panels';

/** The pipeline at a glance: the text-back funnel, time to text, consumer lag, errors. */
export function pipelineOverview(): dashboard.DashboardBuilder {
  return newDashboard(
    'Textback / Pipeline overview',
    'Missed calls in, text-backs out: the funnel, time to text, lag and errors.',
  )
    .withRow(new dashboard.RowBuilder('Funnel'))
    .withPanel(
      single(
        'Missed calls (1h)',
        'short',
        'sum(increase(call_ingest_calls_ended_total{outcome!="answered"}[1h]))',
      ),
    )
    .withPanel(
      single(
        'Text-backs sent (1h)',
        'short',
        'sum(increase(sms_dispatch_texts_total{outcome="sent",purpose="textback"}[1h]))',
      ),
    )
    .withPanel(
      single(
        'Delivered (1h)',
        'short',
        'sum(increase(sms_dispatch_texts_total{outcome="delivered",purpose="textback"}[1h]))',
      ),
    )
    .withPanel(
      single(
        'Time to text p95',
        's',
        'histogram_quantile(0.95, sum by (le) (rate(sms_dispatch_time_to_text_seconds_bucket[15m])))',
      ),
    )
    .withPanel(
      graph(
        'Calls ended by outcome',
        'reqps',
        query('sum by (outcome) (rate(call_ingest_calls_ended_total[5m]))', '{{outcome}}'),
      ),
    )
    .withPanel(
      graph(
        'Decisions by outcome and reason',
        'reqps',
        query(
          'sum by (outcome, reason) (rate(decision_textbacks_total[5m]))',
          '{{outcome}} {{reason}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'Texts by outcome',
        'reqps',
        query(
          'sum by (outcome, purpose) (rate(sms_dispatch_texts_total[5m]))',
          '{{outcome}} ({{purpose}})',
        ),
      ),
    )
    .withPanel(
      graph(
        'Time from call end to text',
        's',
        query(
          'histogram_quantile(0.5, sum by (le) (rate(sms_dispatch_time_to_text_seconds_bucket[5m])))',
          'p50',
        ),
        query(
          'histogram_quantile(0.95, sum by (le) (rate(sms_dispatch_time_to_text_seconds_bucket[5m])))',
          'p95',
        ),
        query(
          'histogram_quantile(0.99, sum by (le) (rate(sms_dispatch_time_to_text_seconds_bucket[5m])))',
          'p99',
        ),
      ),
    )
    .withRow(new dashboard.RowBuilder('Events'))
    .withPanel(
      graph(
        'Consumer lag by service and topic',
        'short',
        query('max by (service, topic) ({__name__=~".+_consumer_lag"})', '{{service}} {{topic}}'),
      ),
    )
    .withPanel(
      graph(
        'Dead-lettered events',
        'short',
        query(
          'sum by (service, topic) (increase({__name__=~".+_consumer_dead_lettered_total"}[5m]))',
          '{{service}} {{topic}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'Handler failures (each retry)',
        'reqps',
        query(
          'sum by (service, topic) (rate({__name__=~".+_consumer_failed_total"}[5m]))',
          '{{service}} {{topic}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'HTTP 5xx by service',
        'reqps',
        query(
          'sum by (service) (rate({__name__=~".+_http_requests_total", status=~"5.."}[5m]))',
          '{{service}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'Staff alerts by channel and outcome',
        'short',
        query(
          'sum by (channel, outcome) (increase(conversation_staff_alerts_total[5m]))',
          '{{channel}} {{outcome}}',
        ),
      ),
    );
}

/** The carrier: send results, where send time goes, delivery outcomes and error codes. */
export function carrier(): dashboard.DashboardBuilder {
  return newDashboard(
    'Textback / Carrier',
    'Plivo sends, latency, delivery reports and error codes; consent checks before sends.',
  )
    .withPanel(
      graph(
        'Send attempts by result',
        'reqps',
        query('sum by (result) (rate(sms_dispatch_carrier_sends_total[5m]))', '{{result}}'),
      ),
    )
    .withPanel(
      graph(
        'Send stage p95',
        's',
        query(
          'histogram_quantile(0.95, sum by (le, stage) (rate(sms_dispatch_send_stage_seconds_bucket[5m])))',
          '{{stage}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'Delivery reports by status',
        'reqps',
        query('sum by (status) (rate(sms_dispatch_delivery_reports_total[5m]))', '{{status}}'),
      ),
    )
    .withPanel(
      graph(
        'Failures by carrier error code',
        'reqps',
        query(
          'sum by (error_code) (rate(sms_dispatch_delivery_reports_total{error_code!="none"}[5m]))',
          'ErrorCode {{error_code}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'Sends held: consent check unanswered',
        'reqps',
        query('sum(rate(sms_dispatch_consent_unavailable_total[5m]))', 'held'),
      ),
    )
    .withPanel(
      graph(
        'Webhook signature failures',
        'reqps',
        query(
          'sum by (service, route) (rate({__name__=~".+_webhook_signature_failures_total"}[5m]))',
          '{{service}} {{route}}',
        ),
      ),
    );
}

/** RED for one service at a time: rate, errors, duration of HTTP and of event handling. */
export function serviceRed(): dashboard.DashboardBuilder {
  return newDashboard(
    'Textback / Service RED',
    'Requests, errors and duration per service (HTTP and event consumers).',
  )
    .withVariable(
      new dashboard.CustomVariableBuilder('service')
        .label('Service')
        .values('call_ingest,decision,sms_dispatch,conversation,compliance,reporting,gateway'),
    )
    .withPanel(
      graph(
        'HTTP requests by route',
        'reqps',
        query(
          'sum by (route, status) (rate({__name__="${service}_http_requests_total"}[5m]))',
          '{{route}} {{status}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'HTTP errors (5xx)',
        'reqps',
        query(
          'sum by (route) (rate({__name__="${service}_http_requests_total", status=~"5.."}[5m]))',
          '{{route}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'HTTP duration p95 by route',
        's',
        query(
          'histogram_quantile(0.95, sum by (le, route) (rate({__name__="${service}_http_request_duration_seconds_bucket"}[5m])))',
          '{{route}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'Events handled by topic',
        'reqps',
        query(
          'sum by (topic) (rate({__name__="${service}_consumer_handled_total"}[5m]))',
          '{{topic}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'Event handling p95 by topic',
        's',
        query(
          'histogram_quantile(0.95, sum by (le, topic) (rate({__name__="${service}_consumer_handle_duration_seconds_bucket"}[5m])))',
          '{{topic}}',
        ),
      ),
    )
    .withPanel(
      graph(
        'Consumer lag by topic',
        'short',
        query('max by (topic) ({__name__="${service}_consumer_lag"})', '{{topic}}'),
      ),
    )
    .withPanel(
      graph(
        'Work in flight (HTTP requests, events)',
        'short',
        query('max by (kind) ({__name__="${service}_work_in_flight"})', '{{kind}}'),
      ),
    )
    .withPanel(
      graph(
        'Webhooks shed (503) by route',
        'reqps',
        query(
          'sum by (route) (rate({__name__="${service}_webhooks_shed_total"}[5m]))',
          '{{route}}',
        ),
      ),
    );
}

export const dashboards = {
  'pipeline-overview': pipelineOverview,
  carrier,
  'service-red': serviceRed,
};
