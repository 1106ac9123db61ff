/**
 * BullMQ queues for outbound sync: one queue per target (`sync-<target>`), whose jobs are only
 * wake-ups naming a dossier — the ledger says what to deliver. Producers fail fast when Redis is
 * away (the commit already happened; the reconciler re-enqueues), so an API call never hangs on Redis.
 */
import type { Logger } from 'pino'
import { createJobQueues, jobIdFor, type QueueCounts } from '../jobs/queues.js'
import type { RedisConnector } from '../redis.js'

export { jobIdFor, type QueueCounts }

export interface KickData {
  target: string
  code: string
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


export function createSyncQueues(options: SyncQueueOptions): SyncQueues {
  const queues = createJobQueues<KickData>({
    redis: options.redis, prefix: options.prefix, names: options.targets.map(queueNameFor), enqueueTimeoutMs: options.enqueueTimeoutMs,
    log: options.log, lostTo: 'the reconciler will pick the change up',
  })

  const slots = options.drainSlots ?? {}
  let turn = 0
  /** Per dossier, or per slot for batch targets: at most one waiting while one runs. */
  const dedupId = (target: string, code: string) => {
    const n = slots[target]
    return n === undefined ? jobIdFor('d', target, code) : jobIdFor('d', target, `slot${turn++ % n}`)
  }

  const kick = (target: string, code: string, jobId: string, coalesce = false, delayMs = 0) =>
    queues.add(queueNameFor(target), 'kick', { target, code }, {
      jobId, ...(coalesce && { deduplication: { id: dedupId(target, code), keepLastIfActive: true } }), ...(delayMs > 0 && { delay: delayMs }),
    }, { target })

  return {
    prefix: options.prefix,
    names: () => [...options.targets],
    queueName: queueNameFor,
    kick: (target, code, jobId, coalesce) => kick(target, code, jobId, coalesce),
    kickAt(target, at) {
      // Fires at the end of the second `at` falls in, so it is due for every retry sharing its id.
      const second = Math.ceil(at.getTime() / 1000)
      return kick(target, '', jobIdFor('t', target, second), false, Math.max(0, second * 1000 + 50 - Date.now()))
    },
    drains: (target) => slots[target] !== undefined,
    counts: (target) => queues.counts(queueNameFor(target)),
    close: () => queues.close(),
  }
}
