/** Sync metrics (DESIGN §7): deliveries by outcome, accept-to-delivery lag, queue depth and ledger states. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface SyncMetrics {
  deliveries: Counter<'target' | 'kind' | 'outcome'>
  lag: Histogram<'target' | 'kind'>
  queueDepth: Gauge<'target' | 'state'>
  ledger: Gauge<'target' | 'state'>
}

export function createSyncMetrics(registry: Registry): SyncMetrics {
  return {
    deliveries: new Counter({
      name: 'lgsp_sync_deliveries_total',
      help: 'Outbound changes by outcome: delivered, superseded (a newer version went instead), retry, dead',
      labelNames: ['target', 'kind', 'outcome'],
      registers: [registry],
    }),
    lag: new Histogram({
      name: 'lgsp_sync_lag_seconds',
      help: 'Time from the 202 (commit) to delivery upstream',
      labelNames: ['target', 'kind'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'lgsp_sync_queue_jobs',
      help: 'Jobs in each sync queue by BullMQ state (waiting, active, delayed, failed)',
      labelNames: ['target', 'state'],
      registers: [registry],
    }),
    ledger: new Gauge({
      name: 'lgsp_sync_outbox_rows',
      help: 'Open and dead outbox rows by state (pending, retrying, dead)',
      labelNames: ['target', 'state'],
      registers: [registry],
    }),
  }
}

/** What a settled round did, as both delivery paths count it. */
export interface RoundOutcome {
  delivered: Array<{ kind: string; createdAt: Date }>
  superseded: number
  dead: Array<{ kind: string }>
  retried: Array<{ kind: string }>
}

/** Counts a round once it is settled (a round that could not be settled did not happen, as far as the ledger knows). */
export function observeRound(metrics: SyncMetrics, target: string, round: RoundOutcome, now = Date.now()): void {
  for (const d of round.delivered) {
    metrics.deliveries.inc({ target, kind: d.kind, outcome: 'delivered' })
    metrics.lag.observe({ target, kind: d.kind }, (now - d.createdAt.getTime()) / 1000)
  }
  for (const d of round.dead) metrics.deliveries.inc({ target, kind: d.kind, outcome: 'dead' })
  for (const r of round.retried) metrics.deliveries.inc({ target, kind: r.kind, outcome: 'retry' })
  if (round.superseded > 0) metrics.deliveries.inc({ target, kind: 'snapshot', outcome: 'superseded' }, round.superseded)
}
