/**
 * The worker shell every job queue of the hub runs in (sync delivery, outgoing webhooks, the
 * repeating sweeps): its own Redis connection (BullMQ workers block on it), the BullMQ `Worker`
 * with the hub's options, the failure handlers, a shutdown signal for calls in flight, and
 * closing in the right order. What a job does is the caller's `process`; rescheduling a job
 * itself (a retry at a later time) is `retryAt`.
 */
import { randomUUID } from 'node:crypto'
import { DelayedError, Worker, type Job } from 'bullmq'
import type { Logger } from 'pino'
import type { RedisClient, RedisConnector } from '../redis.js'

/** How long closing waits for a BullMQ object's start-up to finish (see `startedUp`). */
export const STARTUP_WAIT_MS = 2000

/**
 * Waits until a BullMQ worker or queue has finished starting up, before it is closed. BullMQ
 * (5.81) leaves a connection's start-up unguarded once closed: its `INFO` version check, still
 * queued when `close()` removes the listeners and the connection is quit, rejects with
 * "Connection is closed." into an `emit('error')` nobody hears — an unhandled rejection
 * (taskforcesh/bullmq#3546). A hub closed right after it started (tests; a replica stopped
 * during a deploy) hit it. Answers at once when Redis is away (`connection` reconnecting or
 * ended: nothing left to wait for) and after `maxMs` at the latest, so shutdown never hangs.
 */
export async function startedUp(bull: { waitUntilReady(): Promise<unknown> }, connection: RedisClient, maxMs = STARTUP_WAIT_MS): Promise<void> {
  if (connection.status === 'reconnecting' || connection.status === 'end' || connection.status === 'close') return
  let timer: NodeJS.Timeout | undefined
  let giveUp = (): void => undefined
  try {
    await Promise.race([
      bull.waitUntilReady().catch(() => undefined), // its failure was reported as the worker's or queue's 'error'
      new Promise<void>((resolve) => {
        giveUp = resolve
        timer = setTimeout(resolve, maxMs)
        connection.once('reconnecting', giveUp)
        connection.once('end', giveUp)
      }),
    ])
  } finally {
    clearTimeout(timer)
    connection.off('reconnecting', giveUp)
    connection.off('end', giveUp)
  }
}

export interface JobWorkerOptions<D> {
  queueName: string
  redis: RedisConnector
  /** BullMQ key prefix, e.g. `lgsp:bull`. */
  prefix: string
  concurrency: number
  log: Logger
  /** Names the worker in its log lines, e.g. `sync`, `delivery`. */
  what: string
  /**
   * Times a job whose lock was lost (worker stalled, Redis flushed) is run again before BullMQ
   * fails it. Default 10: a lost lock only means another wake-up, the ledger is the truth.
   */
  maxStalledCount?: number
  /** How a crashed job is logged. Default: error, "<what> job crashed; BullMQ retries it and the reconciler covers the rest". */
  crashed?: { level: 'warn' | 'error'; message: string }
  process(job: Job<D>, token: string | undefined, worker: JobWorker): Promise<unknown>
}

export interface JobWorker {
  /** Differs per worker and process: the first part of every lease owner it writes. */
  readonly instance: string
  /** Aborted once the worker has closed: calls still running are cancelled. */
  readonly signal: AbortSignal
  /** True once `close()` was called: jobs stop between steps and hand their work over. */
  stopping(): boolean
  close(): Promise<void>
}

export function startJobWorker<D>(options: JobWorkerOptions<D>): JobWorker {
  const { log, what } = options
  const shutdown = new AbortController()
  let closing = false
  const connection = options.redis.connect({ maxRetriesPerRequest: null })
  // Reconnects are ioredis's; each failed attempt would otherwise be an unhandled 'error'.
  connection.on('error', (err) => log.debug({ err }, `${what} worker connection error`))

  const shell: JobWorker = {
    instance: randomUUID().slice(0, 8),
    signal: shutdown.signal,
    stopping: () => closing,
    async close() {
      closing = true
      await startedUp(worker, connection) // closing a worker still starting up leaves a rejection unhandled
      await worker.close() // waits for active jobs
      shutdown.abort()
      await connection.quit().catch(() => connection.disconnect()) // already gone: drop it
    },
  }
  const worker = new Worker<D, unknown>(options.queueName, (job, token) => options.process(job, token, shell), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    maxStalledCount: options.maxStalledCount ?? 10,
  })
  const crashed = options.crashed ?? { level: 'error', message: `${what} job crashed; BullMQ retries it and the reconciler covers the rest` }
  worker.on('failed', (job, err) => {
    if (err instanceof DelayedError) return
    log[crashed.level]({ jobId: job?.id, err }, crashed.message)
  })
  worker.on('error', (err) => log.warn({ err }, `${what} worker error`))
  return shell
}

/**
 * Puts the running job back in the delayed set until `at` (ms since the epoch) and ends this run
 * of it: the job is retried by the queue, not by a process that may be gone by then. Never
 * returns (BullMQ's DelayedError tells the worker the job was moved, not failed).
 */
export async function retryAt(job: Job, token: string | undefined, at: number): Promise<never> {
  await job.moveToDelayed(at, token)
  throw new DelayedError()
}
