/**
 * Delivery workers: one BullMQ worker per target. A job names a dossier; the worker takes the
 * dossier's lease and delivers what the ledger says is open (see delivery-store.ts). Transient
 * failures reschedule the job itself with exponential backoff and jitter (a Retry-After is a
 * floor); refusals are dead-lettered with the upstream's reason; a change that keeps failing is
 * dead-lettered after `maxAttempts`. A job never blocks its queue: it waits in the delayed set.
 */
import type { Job } from 'bullmq'
import type { Logger } from 'pino'
import type { SyncTarget } from '../../schemas/config.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import { UpstreamError } from '../upstream/errors.js'
import type { DeliveryStore, OpenItem } from './delivery-store.js'
import type { KickData } from './queues.js'
import { queueNameFor } from './queues.js'
import { observeRound, type SyncMetrics } from './metrics.js'
import { createBatchDrain } from './batch-worker.js'
import type { BatchStore } from './batch-store.js'
import { judgeFailure, retryDelay, type Judgement } from './retry.js'
import { planRound } from './round.js'
import { retryAt, startJobWorker, type JobWorker } from '../jobs/worker.js'
import { leaseOwner, withLease } from '../jobs/lease.js'
import type { RedisConnector } from '../redis.js'

/** A message target's own step between the ledger and the connector (e.g. loading a stored package). */
export interface MessageHandler {
  /**
   * The connector call for one outbox message; throw an UpstreamError `rejected` to dead-letter it.
   * `connector` defaults to the target's name (a target named after another connector's flow says which).
   */
  prepare(payload: Record<string, unknown>): Promise<{ operation: string; input: unknown; connector?: string }>
  /** Told after the upstream accepted a message (outside the settle transaction; best effort). */
  onDelivered?(payload: Record<string, unknown>, result: unknown): Promise<void>
}

export interface WorkerOptions {
  target: string
  config: SyncTarget
  /** Present for message targets (document axis); dossier targets leave it out. */
  messages?: MessageHandler
  redis: RedisConnector
  prefix: string
  leaseMs: number
  store: DeliveryStore
  registry: ConnectorRegistry
  metrics: SyncMetrics
  log: Logger
  /**
   * Batch delivery (batch-worker.ts), for targets whose connector has `config.batchOperation`:
   * every job drains the target instead of delivering the dossier it names.
   */
  batch?: { store: BatchStore; wakeAt(at: Date): Promise<unknown>; wakeNow(): Promise<unknown> }
}

export interface SyncWorker {
  close(): Promise<void>
}

export function startSyncWorker(options: WorkerOptions): SyncWorker {
  const { target, config, store, registry, metrics, log } = options

  async function sendItem(item: OpenItem, deliveredVersion: number | null, requestId: string, signal: AbortSignal): Promise<void> {
    const ctx = { signal, requestId, log: log.child({ jobId: requestId.slice(4) }) }
    if (item.kind === 'message') {
      if (!options.messages) throw new UpstreamError('rejected', `Target ${target} has no message handler; this message cannot be delivered.`)
      const { operation, input, connector } = await options.messages.prepare(item.payload)
      const result = await registry.invoke(connector ?? target, operation, input, ctx)
      await options.messages.onDelivered?.(item.payload, result).catch((err: unknown) => log.warn({ err, outbox: item.id }, 'could not record a delivered message'))
      return
    }
    const operation = item.kind === 'snapshot' ? config.snapshotOperation : config.progressOperation
    const input = item.kind === 'snapshot' ? { dossier: item.payload, isUpdate: deliveredVersion !== null } : item.payload
    await registry.invoke(target, operation, input, ctx)
  }

  async function processKick(job: Job<KickData>, token: string | undefined, worker: JobWorker): Promise<string> {
    const { code } = job.data
    const owner = leaseOwner(worker.instance, job.id)
    return withLease({
      leaseMs: options.leaseMs, log, stopping: worker.stopping,
      claim: () => store.claim(target, code, owner, options.leaseMs),
      renew: () => store.renew(target, code, owner, options.leaseMs),
      release: () => store.release(target, code, owner),
    }, async (claim, lease) => {
      if (claim.state === 'retrying' && claim.retryJob !== null && claim.retryJob !== job.id && claim.nextAttemptAt !== null && claim.nextAttemptAt.getTime() > Date.now()) {
        return 'waiting-for-retry' // the retry owner delivers the newest version when its time comes
      }
      let deliveredVersion = claim.deliveredVersion
      const ref = (i: OpenItem) => ({ id: i.id, version: i.version })
      // A round may hold several items (a document and its statuses, progress steps), each up to its deadline.
      for (let round = 0; round < 100; round++) {
        const items = round === 0 ? claim.items : await store.openItems(target, code)
        const plan = planRound(items, deliveredVersion)
        const delivered: OpenItem[] = []
        const dead: Array<{ item: OpenItem; judged: Judgement }> = []
        const deadRefs = () => dead.map(({ judged: j }) => ({ id: j.id, attempts: j.attempts, error: j.error, ...(j.upstreamCode !== undefined && { upstreamCode: j.upstreamCode }) }))
        const outcome = (retried: OpenItem[]) => ({ delivered, superseded: plan.superseded.length, dead: dead.map((d) => d.item), retried })
        const todo = [...(plan.snapshot ? [plan.snapshot] : []), ...plan.rest]
        let next = 0
        for (; next < todo.length && (await lease.next()); next++) {
          const item = todo[next]!
          try {
            await sendItem(item, deliveredVersion, `job-${job.id}`, worker.signal)
            delivered.push(item)
            if (item.version !== null) deliveredVersion = item.version
            continue
          } catch (caught) {
            if (worker.signal.aborted) throw caught
            const judged = judgeFailure(item, caught, config.retry.maxAttempts)
            if (judged.dead) {
              dead.push({ item, judged })
              log.warn({ jobId: job.id, dossier: code, outbox: item.id, kind: judged.kind, upstreamCode: judged.upstreamCode, attempts: judged.attempts }, 'change dead-lettered')
              continue
            }
            const delay = retryDelay(judged.attempts, config.retry, judged.retryAfterMs)
            const nextAttemptAt = new Date(Date.now() + delay)
            await store.retryLater({
              target, code, owner, itemId: item.id, attempts: judged.attempts, error: judged.error, nextAttemptAt, retryJob: String(job.id),
              delivered: delivered.map(ref), superseded: plan.superseded, dead: deadRefs(), ...(judged.upstreamCode !== undefined && { upstreamCode: judged.upstreamCode }),
            })
            lease.handedOver()
            observeRound(metrics, target, outcome([item]))
            log.info({ jobId: job.id, dossier: code, outbox: item.id, kind: judged.kind, attempts: judged.attempts, delayMs: delay }, 'delivery failed; retry scheduled')
            return retryAt(job, token, nextAttemptAt.getTime())
          }
        }
        if (lease.lost) {
          // Nothing is settled: what this round sent stays open and its new holder sends it again (at least once).
          log.warn({ jobId: job.id, dossier: code }, 'dossier lease lapsed mid-round; its new holder delivers what is still open')
          return 'lease-lost'
        }
        // Closing: what was not sent stays open (an id below it counts as newer: the dossier stays
        // `pending`), and the job goes back to the queue at once for another replica or the next start.
        const untried = todo.slice(next)
        const seenUpTo = untried.length > 0 ? Math.min(...untried.map((i) => i.id)) - 1 : plan.seenUpTo
        const { released } = await store.settle({ target, code, owner, delivered: delivered.map(ref), superseded: plan.superseded, dead: deadRefs(), seenUpTo })
        observeRound(metrics, target, outcome([]))
        if (untried.length > 0) return retryAt(job, token, Date.now())
        if (released) {
          lease.handedOver()
          return 'done'
        }
      }
      return 'more-next-time'
    })
  }

  const drain = options.batch && createBatchDrain({
    target, config, store: options.batch.store, registry, metrics, log, leaseMs: options.leaseMs, sendItem,
    progressBatch: registry.has(target) && registry.get(target).operations[config.progressBatchOperation] !== undefined,
    wakeAt: options.batch.wakeAt, wakeNow: options.batch.wakeNow,
  })
  return startJobWorker<KickData>({
    queueName: queueNameFor(target), redis: options.redis, prefix: options.prefix, log, what: 'sync',
    // A batch target's jobs are drains: as many at once as it has wake-up slots.
    concurrency: drain ? config.batchConcurrency : config.concurrency,
    process: drain ? (job, _token, worker) => drain(String(job.id), worker) : processKick,
  })
}
