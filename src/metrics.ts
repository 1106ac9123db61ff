/** Prometheus metrics (DESIGN §7). One registry per app instance so tests can build several. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  registry: Registry
  httpDuration: Histogram<'method' | 'route' | 'status'>
  upstreamDuration: Histogram<'connector' | 'operation' | 'outcome'>
  circuitState: Gauge<'connector'>
  auditWrite: Histogram<'outcome'>
  auditBatchSize: Histogram
  rejected: Counter<'code'>
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'lgsp_' })
  return {
    registry,
    httpDuration: new Histogram({
      name: 'lgsp_http_request_duration_seconds',
      help: 'API request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'lgsp_upstream_duration_seconds',
      help: 'Connector operation duration (retries included) by outcome: ok or an error kind',
      labelNames: ['connector', 'operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    circuitState: new Gauge({
      name: 'lgsp_circuit_state',
      help: 'Circuit breaker state per connector: 0 closed, 1 half-open, 2 open',
      labelNames: ['connector'],
      registers: [registry],
    }),
    auditWrite: new Histogram({
      name: 'lgsp_audit_write_duration_seconds',
      help: 'Audit group-commit transaction duration',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    auditBatchSize: new Histogram({
      name: 'lgsp_audit_batch_size',
      help: 'Audit records per group commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'lgsp_requests_rejected_total',
      help: 'Requests answered with a problem+json error, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
  }
}
