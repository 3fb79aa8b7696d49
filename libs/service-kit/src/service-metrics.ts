import { Counter, Histogram, type Registry } from 'prom-client';

/** A counter registered once per service registry (services share a process when embedded). */
export function counterOf<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
}

export function histogramOf<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames: [...labelNames], buckets, registers: [registry] });
}

/** `<svc>_webhook_signature_failures_total{route}`: forged or unsigned webhooks (alerted on). */
export function webhookSignatureFailures(registry: Registry, service: string): Counter<'route'> {
  return counterOf(
    registry,
    `${service.replace(/-/g, '_')}_webhook_signature_failures_total`,
    'Webhooks refused for a missing or invalid signature',
    ['route'],
  );
}
