/**
 * Delivery workers: one BullMQ worker per target. A job names a dossier; the worker takes the
 * dossier's lease and delivers what the ledger says is open (see delivery-store.ts). Transient
 * failures reschedule the job itself with exponential backoff and jitter (a Retry-After is a
 * floor); refusals are dead-lettered with the upstream's reason; a change that keeps failing is
 * dead-lettered after `maxAttempts`. A job never blocks its queue: it waits in the delayed set.
 */
import { randomUUID } from 'node:crypto'
import { DelayedError, Worker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { SyncTarget } from '../../schemas/config.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import { isUpstreamError, UpstreamError } from '../upstream/errors.js'
import type { DeliveryStore, OpenItem } from './delivery-store.js'
import type { KickData } from './queues.js'
import { queueNameFor } from './queues.js'
import type { SyncMetrics } from './metrics.js'
import { createBatchDrain } from './batch-worker.js'
import type { BatchStore } from './batch-store.js'
import { describeFailure, REFUSALS, retryDelay } from './retry.js'

/** A message target's own step between the ledger and the connector (e.g. loading a stored package). */
export interface MessageHandler {
  /** The connector call for one outbox message; throw an UpstreamError `rejected` to dead-letter it. */
  prepare(payload: Record<string, unknown>): Promise<{ operation: string; input: unknown }>
  /** Told after the upstream accepted a message (outside the settle transaction; best effort). */
  onDelivered?(payload: Record<string, unknown>, result: unknown): Promise<void>
}

export interface WorkerOptions {
  target: string
  config: SyncTarget
  /** Present for message targets (document axis); dossier targets leave it out. */
  messages?: MessageHandler
  redisUrl: string
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

export { retryDelay } from './retry.js'

export function startSyncWorker(options: WorkerOptions): SyncWorker {
  const { target, config, store, registry, metrics, log } = options
  const instance = randomUUID().slice(0, 8)
  const shutdown = new AbortController()
  let closing = false
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null })
  connection.on('error', (err) => log.debug({ err: { message: err.message } }, 'sync worker connection error'))

  async function send(item: OpenItem, deliveredVersion: number | null, job: Job<KickData>): Promise<void> {
    return sendItem(item, deliveredVersion, `job-${job.id}`)
  }

  async function sendItem(item: OpenItem, deliveredVersion: number | null, requestId: string): Promise<void> {
    const ctx = { signal: shutdown.signal, requestId, log: log.child({ jobId: requestId.slice(4) }) }
    if (item.kind === 'message') {
      if (!options.messages) throw new UpstreamError('rejected', `Target ${target} has no message handler; this message cannot be delivered.`)
      const { operation, input } = await options.messages.prepare(item.payload)
      const result = await registry.invoke(target, operation, input, ctx)
      await options.messages.onDelivered?.(item.payload, result).catch((err: Error) => log.warn({ err: { message: err.message }, outbox: item.id }, 'could not record a delivered message'))
      return
    }
    const operation = item.kind === 'snapshot' ? config.snapshotOperation : config.progressOperation
    const input = item.kind === 'snapshot' ? { dossier: item.payload, isUpdate: deliveredVersion !== null } : item.payload
    await registry.invoke(target, operation, input, ctx)
  }

  async function processKick(job: Job<KickData>, token?: string): Promise<string> {
    const { code } = job.data
    const owner = `${instance}/${job.id}/${randomUUID().slice(0, 8)}`
    const claim = await store.claim(target, code, owner, options.leaseMs)
    if (!claim) return 'busy' // the holder goes round again for anything newer (settle)
    let held = true
    try {
      if (claim.state === 'retrying' && claim.retryJob !== null && claim.retryJob !== job.id && claim.nextAttemptAt !== null && claim.nextAttemptAt.getTime() > Date.now()) {
        return 'waiting-for-retry' // the retry owner delivers the newest version when its time comes
      }
      let deliveredVersion = claim.deliveredVersion
      // A round may hold several items (a document and its statuses, progress steps), each up to
      // its operation deadline: the lease is renewed before an item once a quarter of it is gone,
      // so it never lapses while this worker is still sending (another would send again).
      let leasedAt = Date.now()
      const keepLease = async () => {
        if (Date.now() - leasedAt < options.leaseMs / 4) return
        if (!(await store.renew(target, code, owner, options.leaseMs))) {
          held = false
          throw new Error(`lease on ${target}/${code} lapsed mid-round; the new holder delivers what is still open`)
        }
        leasedAt = Date.now()
      }
      for (let round = 0; round < 100; round++) {
        const items = round === 0 ? claim.items : await store.openItems(target, code)
        const seenUpTo = items.reduce((max, i) => Math.max(max, i.id), 0)
        const snapshots = items.filter((i) => i.kind === 'snapshot')
        const newest = snapshots.reduce<OpenItem | undefined>((best, i) => (best === undefined || i.version! > best.version! ? i : best), undefined)
        const todo: OpenItem[] = []
        const superseded: number[] = []
        for (const s of snapshots) {
          if (s === newest && (deliveredVersion === null || s.version! > deliveredVersion)) todo.push(s)
          else superseded.push(s.id)
        }
        todo.push(...items.filter((i) => i.kind !== 'snapshot')) // progress steps and messages: each, in order

        const delivered: Array<{ id: number; version: number | null; createdAt: Date; kind: OpenItem['kind'] }> = []
        const dead: Array<{ id: number; error: string; upstreamCode?: string; attempts: number }> = []
        for (const item of todo) {
          await keepLease()
          try {
            await send(item, deliveredVersion, job)
            delivered.push({ id: item.id, version: item.version, createdAt: item.createdAt, kind: item.kind })
            if (item.version !== null) deliveredVersion = item.version
            continue
          } catch (caught) {
            if (shutdown.signal.aborted) throw caught
            const err = caught as UpstreamError
            const attempts = item.attempts + 1
            const error = isUpstreamError(err) ? describeFailure(err) : String(caught).slice(0, 1000)
            const refused = isUpstreamError(err) && REFUSALS.has(err.kind)
            if (refused || attempts >= config.retry.maxAttempts) {
              dead.push({ id: item.id, attempts, error: refused ? error : `gave up after ${attempts} attempts: ${error}`, ...(err.upstreamCode !== undefined && { upstreamCode: err.upstreamCode }) })
              metrics.deliveries.inc({ target, kind: item.kind, outcome: 'dead' })
              log.warn({ jobId: job.id, dossier: code, outbox: item.id, kind: err.kind, upstreamCode: err.upstreamCode, attempts }, 'change dead-lettered')
              continue
            }
            const delay = retryDelay(attempts, config.retry, err.retryAfterMs)
            const nextAttemptAt = new Date(Date.now() + delay)
            await store.retryLater({
              target, code, owner, itemId: item.id, attempts, error, nextAttemptAt, retryJob: String(job.id),
              delivered, superseded, ...(err.upstreamCode !== undefined && { upstreamCode: err.upstreamCode }),
            })
            held = false
            observeDelivered(delivered, superseded)
            metrics.deliveries.inc({ target, kind: item.kind, outcome: 'retry' })
            log.info({ jobId: job.id, dossier: code, outbox: item.id, kind: err.kind, attempts, delayMs: delay }, 'delivery failed; retry scheduled')
            await job.moveToDelayed(nextAttemptAt.getTime(), token)
            throw new DelayedError()
          }
        }
        const { released } = await store.settle({ target, code, owner, delivered, superseded, dead, seenUpTo })
        observeDelivered(delivered, superseded)
        if (released) {
          held = false
          return 'done'
        }
      }
      return 'more-next-time'
    } finally {
      if (held) await store.release(target, code, owner).catch((err) => log.warn({ err }, 'could not release a dossier lease; it expires by itself'))
    }
  }

  function observeDelivered(delivered: Array<{ createdAt: Date; kind: OpenItem['kind'] }>, superseded: number[]) {
    const now = Date.now()
    for (const d of delivered) {
      metrics.deliveries.inc({ target, kind: d.kind, outcome: 'delivered' })
      metrics.lag.observe({ target, kind: d.kind }, (now - d.createdAt.getTime()) / 1000)
    }
    if (superseded.length > 0) metrics.deliveries.inc({ target, kind: 'snapshot', outcome: 'superseded' }, superseded.length)
  }

  const drain = options.batch && createBatchDrain({
    target, config, store: options.batch.store, registry, metrics, log, leaseMs: options.leaseMs, signal: shutdown.signal, sendItem, stopping: () => closing,
    wakeAt: options.batch.wakeAt, wakeNow: options.batch.wakeNow,
  })
  const processor = drain ? (job: Job<KickData>) => drain(String(job.id)) : processKick

  const worker = new Worker<KickData, string>(queueNameFor(target), processor, {
    connection,
    prefix: options.prefix,
    // A batch target's jobs are drains: as many at once as it has wake-up slots.
    concurrency: drain ? config.batchConcurrency : config.concurrency,
    // A lost lock (worker stalled or Redis flushed) only means another wake-up: the ledger is the truth.
    maxStalledCount: 10,
  })
  worker.on('failed', (job, err) => {
    if (err instanceof DelayedError) return
    log.error({ jobId: job?.id, err: { message: err.message } }, 'sync job crashed; BullMQ retries it and the reconciler covers the rest')
  })
  worker.on('error', (err) => log.warn({ err: { message: err.message } }, 'sync worker error'))

  return {
    async close() {
      closing = true
      await worker.close() // waits for active jobs
      shutdown.abort()
      await connection.quit().catch(() => connection.disconnect())
    },
  }
}
