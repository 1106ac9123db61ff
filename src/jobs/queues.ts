/**
 * Producers: a set of BullMQ queues sharing one Redis connection that fails fast. A job is only a
 * wake-up for work the ledger already holds (committed before the job is added), so an API call
 * never hangs on Redis: `add` gives up after `enqueueTimeoutMs`, logs, and answers false, and the
 * reconciler re-enqueues what was left.
 */
import { Queue, type JobsOptions } from 'bullmq'
import type { Logger } from 'pino'
import type { RedisConnector } from '../redis.js'
import { startedUp } from './worker.js'

/** BullMQ job ids must not be integers and must not contain ':' (bullmq job.ts). */
export const jobIdFor = (kind: string, ...parts: Array<string | number>) => [kind, ...parts].join('-').replace(/:/g, '_')

export interface QueueCounts {
  waiting: number
  active: number
  delayed: number
  failed: number
}

export interface JobQueuesOptions {
  redis: RedisConnector
  /** BullMQ key prefix, e.g. `lgsp:bull`. */
  prefix: string
  /** Queue names. */
  names: string[]
  /** How long `add` waits for Redis before it gives the job up to the reconciler. */
  enqueueTimeoutMs: number
  log: Logger
  /** Ends the log line of a lost wake-up, e.g. `the reconciler will pick the change up`. */
  lostTo: string
}

export interface JobQueues<D> {
  /** Adds a job; false (logged with `context`) when Redis did not take it in time. */
  add(queue: string, name: string, data: D, opts: JobsOptions, context?: Record<string, unknown>): Promise<boolean>
  counts(queue: string): Promise<QueueCounts>
  close(): Promise<void>
}

export function createJobQueues<D>(options: JobQueuesOptions): JobQueues<D> {
  const { log } = options
  const connection = options.redis.connect({ maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
  connection.on('error', (err) => log.debug({ err }, 'queue connection error')) // each add reports its own failure
  const queues = new Map(options.names.map((name) => [name, new Queue(name, {
    connection,
    prefix: options.prefix,
    defaultJobOptions: {
      removeOnComplete: true,
      // Failed jobs are kept a day for diagnosis only; the ledger is the record of what is owed.
      removeOnFail: { age: 86_400, count: 10_000 },
      // Only unexpected crashes (database away, a bug) fail a job; delivery failures reschedule themselves.
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    },
  })]))
  // Without a listener BullMQ prints every connection error to stderr (a Redis failover: dozens).
  for (const q of queues.values()) q.on('error', (err) => log.debug({ err }, 'queue error'))

  const get = (name: string) => {
    const q = queues.get(name)
    if (!q) throw new Error(`no queue "${name}"`)
    return q
  }

  return {
    async add(queue, name, data, opts, context = {}) {
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          get(queue).add(name, data, opts),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer from Redis within ${options.enqueueTimeoutMs} ms`)), options.enqueueTimeoutMs) }),
        ])
        return true
      } catch (err) {
        log.warn({ err, ...context, jobId: opts.jobId }, `enqueue failed; ${options.lostTo}`)
        return false
      } finally {
        clearTimeout(timer)
      }
    },
    async counts(queue) {
      const c = await get(queue).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized')
      return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 }
    },
    async close() {
      // A queue closed while still starting up leaves a rejection unhandled (see startedUp).
      await Promise.allSettled([...queues.values()].map(async (q) => {
        await startedUp(q, connection)
        await q.close()
      }))
      await connection.quit().catch(() => connection.disconnect()) // already gone: drop it
    },
  }
}
