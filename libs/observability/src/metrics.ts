import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The Prometheus registry type, for libraries that take one. */
export type MetricsRegistry = Registry;

/** Creates the process's Prometheus registry with Node's default metrics and the service label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Per-RPC series of a gRPC server: rate and errors by code, latency histogram. */
export class RpcServerMetrics {
  private readonly handled: Counter<'method' | 'code'>;
  private readonly latency: Histogram<'method' | 'code'>;
  private readonly limited: Counter<'method'>;

  constructor(registry: Registry) {
    this.handled = new Counter({
      name: 'cairn_grpc_server_handled_total',
      help: 'RPCs completed by the server, by method and status code.',
      labelNames: ['method', 'code'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'cairn_grpc_server_handling_seconds',
      help: 'Time from the start of an RPC to its status, by method and status code.',
      labelNames: ['method', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.limited = new Counter({
      name: 'cairn_grpc_server_rate_limited_total',
      help: "RPCs refused because the caller's tenant was over its rate limit, by method.",
      labelNames: ['method'],
      registers: [registry],
    });
  }

  /** Counts a call refused by the rate limit (it is also observed with code RESOURCE_EXHAUSTED). */
  rateLimited(method: string): void {
    this.limited.inc({ method });
  }

  observe(method: string, code: string, seconds: number): void {
    this.handled.inc({ method, code });
    this.latency.observe({ method, code }, seconds);
  }
}
