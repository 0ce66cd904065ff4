import { collectDefaultMetrics, Registry } from 'prom-client';

/** Creates the process's Prometheus registry with Node's default metrics and the service label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
