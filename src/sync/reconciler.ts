/**
 * The reconciler: a BullMQ repeatable job that runs a ledger's sweep — re-enqueueing rows left
 * open too long after a crash between commit and enqueue, a Redis flush or restart that lost
 * jobs, a retry whose delayed job vanished. Every replica re-registers the schedule
 * periodically, so even a flush that took the schedule with it heals itself. The outbox
 * (`sweepOutbox`) and the inbox deliveries each run one.
 */
import { Queue, Worker } from 'bullmq'
import type { RedisConnector } from '../redis.js'
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { SyncQueues } from './queues.js'
import { jobIdFor } from './queues.js'

export interface ReconcilerOptions {
  /** Names the maintenance queue and its schedule (one per reconciled ledger). */
  name: string
  redis: RedisConnector
  prefix: string
  everyMs: number
  log: Logger
  /** One pass over the ledger; returns how many wake-ups it enqueued. */
  sweep: () => Promise<number>
}

/** The outbox sweep: one wake-up per dossier (per batch target) whose changes waited longer than `staleAfterMs`. */
export function sweepOutbox(options: { db: Db; queues: SyncQueues; staleAfterMs: number; log: Logger; batch?: number }): () => Promise<number> {
  const { db, queues, log } = options
  return async () => {
    const { rows } = await db.query<{ target: string; dossier_code: string }>(
      `SELECT DISTINCT target, dossier_code FROM outbox
       WHERE state IN ('pending', 'retrying')
         AND created_at < now() - make_interval(secs => $1::double precision / 1000)
         AND (next_attempt_at IS NULL OR next_attempt_at < now() - make_interval(secs => $1::double precision / 1000))
       LIMIT $2`,
      [options.staleAfterMs, options.batch ?? 5000],
    )
    let kicked = 0
    const drained = new Set<string>()
    for (const row of rows) {
      if (!queues.names().includes(row.target)) continue
      // A time bucket in the id: a wake-up that failed for good must not block later reconciles.
      const bucket = Math.floor(Date.now() / options.staleAfterMs)
      if (queues.drains(row.target)) {
        // A batch target's job drains every claimable dossier: one wake-up covers them all.
        if (drained.has(row.target)) continue
        drained.add(row.target)
        if (await queues.kick(row.target, row.dossier_code, jobIdFor('rt', row.target, bucket))) kicked++
        continue
      }
      if (await queues.kick(row.target, row.dossier_code, jobIdFor('r', row.dossier_code, bucket))) kicked++
    }
    if (kicked > 0) log.info({ kicked }, 'reconciler re-enqueued dossiers whose changes waited too long')
    return kicked
  }
}

export interface Reconciler {
  /** One pass now; returns how many dossiers were re-enqueued. */
  runOnce(): Promise<number>
  close(): Promise<void>
}


export function startReconciler(options: ReconcilerOptions): Reconciler {
  const { log } = options
  const QUEUE = `${options.name}-maintenance`
  const SCHEDULER = `reconcile-${options.name}`
  const connection = options.redis.connect({ maxRetriesPerRequest: null })
  connection.on('error', (err) => log.debug({ err: { message: err.message } }, 'reconciler connection error'))
  const queue = new Queue(QUEUE, { connection, prefix: options.prefix })
  // Without a listener BullMQ prints every connection error to stderr (a Redis failover: dozens).
  queue.on('error', (err) => log.debug({ err: { message: err.message } }, 'reconciler queue error'))

  const runOnce = options.sweep

  const ensureSchedule = () =>
    queue.upsertJobScheduler(SCHEDULER, { every: options.everyMs }, { name: 'reconcile', opts: { removeOnComplete: true, removeOnFail: 100 } })
      .catch((err: Error) => log.warn({ err: { message: err.message } }, 'could not register the reconciler schedule; retrying later'))
  void ensureSchedule()
  const watchdog = setInterval(() => void ensureSchedule(), Math.max(options.everyMs, 1000) * 2)
  watchdog.unref()

  const workerConnection = options.redis.connect({ maxRetriesPerRequest: null })
  workerConnection.on('error', () => undefined)
  const worker = new Worker(QUEUE, async () => runOnce(), { connection: workerConnection, prefix: options.prefix, concurrency: 1 })
  worker.on('error', (err) => log.warn({ err: { message: err.message } }, 'reconciler worker error'))
  worker.on('failed', (_job, err) => log.warn({ err: { message: err.message } }, 'reconciler run failed; the next run retries'))

  return {
    runOnce,
    async close() {
      clearInterval(watchdog)
      await worker.close()
      await queue.close()
      await workerConnection.quit().catch(() => workerConnection.disconnect())
      await connection.quit().catch(() => connection.disconnect())
    },
  }
}
