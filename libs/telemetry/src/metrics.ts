import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per service (never the global one): several services share a process when embedded. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: `${service.replace(/-/g, '_')}_` });
  return registry;
}
