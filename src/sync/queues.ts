/**
 * BullMQ queues for outbound sync: one queue per target (`sync-<target>`), whose jobs are only
 * wake-ups naming a dossier — the ledger says what to deliver. Producers fail fast when Redis is
 * away (the commit already happened; the reconciler re-enqueues), so an API call never hangs on Redis.
 */
import { Queue } from 'bullmq'
import type { RedisConnector } from '../redis.js'
import type { Logger } from 'pino'

export interface KickData {
  target: string
  code: string
}

export interface QueueCounts {
  waiting: number
  active: number
  delayed: number
  failed: number
}

export interface SyncQueues {
  readonly prefix: string
  names(): string[]
  queueName(target: string): string
  /**
   * Adds a wake-up; resolves false (and logs) instead of throwing when Redis does not answer in
   * time. With `coalesce`, wake-ups for one dossier coalesce: at most one waits while one runs
   * (BullMQ deduplication with keepLastIfActive), so a burst of versions costs one delivery round.
   */
  kick(target: string, code: string, jobId: string, coalesce?: boolean): Promise<boolean>
  /** A wake-up of a batch target at `at` (one per target and second, whatever asks for it). */
  kickAt(target: string, at: Date): Promise<boolean>
  /** Whether a target's jobs drain the target (batch delivery) rather than one dossier. */
  drains(target: string): boolean
  counts(target: string): Promise<QueueCounts>
  close(): Promise<void>
}

export interface SyncQueueOptions {
  redis: RedisConnector
  /** BullMQ key prefix, e.g. `lgsp:bull`. */
  prefix: string
  targets: string[]
  /**
   * Batch targets and their number of wake-up slots: any job of theirs drains the whole target,
   * so their wake-ups coalesce per slot (taken in turn) instead of per dossier: at most one
   * waiting per slot, and up to `slots` drains at once under load.
   */
  drainSlots?: Record<string, number>
  enqueueTimeoutMs: number
  log: Logger
}

export const queueNameFor = (target: string) => `sync-${target}`

/** BullMQ job ids must not be integers and must not contain ':' (bullmq job.ts). */
export const jobIdFor = (kind: string, ...parts: Array<string | number>) => [kind, ...parts].join('-').replace(/:/g, '_')

export function createSyncQueues(options: SyncQueueOptions): SyncQueues {
  const connection = options.redis.connect({ maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
  connection.on('error', (err) => options.log.debug({ err: { message: err.message } }, 'sync queue connection error'))
  const queues = new Map(options.targets.map((t) => [t, new Queue<KickData>(queueNameFor(t), {
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
  for (const q of queues.values()) q.on('error', (err) => options.log.debug({ err: { message: err.message } }, 'sync queue error'))

  const get = (target: string) => {
    const q = queues.get(target)
    if (!q) throw new Error(`no sync target "${target}"`)
    return q
  }

  const slots = options.drainSlots ?? {}
  let turn = 0
  /** Per dossier, or per slot for batch targets: at most one waiting while one runs. */
  const dedupId = (target: string, code: string) => {
    const n = slots[target]
    return n === undefined ? jobIdFor('d', target, code) : jobIdFor('d', target, `slot${turn++ % n}`)
  }

  async function kick(target: string, code: string, jobId: string, coalesce = false, delayMs = 0): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        get(target).add('kick', { target, code }, {
          jobId, ...(coalesce && { deduplication: { id: dedupId(target, code), keepLastIfActive: true } }), ...(delayMs > 0 && { delay: delayMs }),
        }),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer from Redis within ${options.enqueueTimeoutMs} ms`)), options.enqueueTimeoutMs) }),
      ])
      return true
    } catch (err) {
      options.log.warn({ err: { message: (err as Error).message }, target, jobId }, 'enqueue failed; the reconciler will pick the change up')
      return false
    } finally {
      clearTimeout(timer)
    }
  }

  async function counts(target: string): Promise<QueueCounts> {
    const c = await get(target).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized')
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 }
  }

  return {
    prefix: options.prefix,
    names: () => [...queues.keys()],
    queueName: queueNameFor,
    kick: (target, code, jobId, coalesce) => kick(target, code, jobId, coalesce),
    kickAt(target, at) {
      // Fires at the end of the second `at` falls in, so it is due for every retry sharing its id.
      const second = Math.ceil(at.getTime() / 1000)
      return kick(target, '', jobIdFor('t', target, second), false, Math.max(0, second * 1000 + 50 - Date.now()))
    },
    drains: (target) => slots[target] !== undefined,
    counts,
    async close() {
      await Promise.allSettled([...queues.values()].map((q) => q.close()))
      await connection.quit().catch(() => connection.disconnect())
    },
  }
}
